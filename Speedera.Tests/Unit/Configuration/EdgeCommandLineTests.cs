using Speedera.Edge.Hosting;

namespace Speedera.Tests.Unit.Configuration;

public class EdgeCommandLineTests
{
    private static EdgeCommandLine.ParseResult Parse(params string[] args) =>
        EdgeCommandLine.Parse(args, _ => null, path => throw new FileNotFoundException(path));

    [Fact]
    public void Control_plane_mode_parses_every_option()
    {
        var r = Parse("--node-id", "node-1", "--control-plane", "http://127.0.0.1:5000", "--node-key", "k", "--public-key", "AAAA",
            "--data-dir", "/tmp/x", "--dns-listen", "127.0.0.1:9053", "--cache-listen=127.0.0.1:9080", "--status-listen", "127.0.0.1:9180",
            "--poll-timeout", "5s", "--heartbeat-interval", "500ms", "--upload-interval", "2", "--retry-delay", "1m");

        Assert.Null(r.Error);
        var o = r.Options!;
        Assert.Equal("node-1", o.NodeId);
        Assert.Equal(new Uri("http://127.0.0.1:5000"), o.ControlPlane);
        Assert.Equal("k", o.NodeKey);
        Assert.Equal("/tmp/x", o.DataDirectory);
        Assert.Equal(9053, o.DnsListen.Port);
        Assert.Equal(9080, o.CacheListen.Port);
        Assert.Equal(9180, o.StatusListen!.Port);
        Assert.Equal(TimeSpan.FromSeconds(5), o.PollTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(500), o.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), o.UploadInterval);
        Assert.Equal(TimeSpan.FromMinutes(1), o.RetryDelay);
        Assert.Empty(o.Roles);
    }

    [Fact]
    public void Query_log_is_off_unless_asked_for_and_takes_a_rate()
    {
        var off = Parse("--node-id", "n", "--public-key", "A", "--config", "f").Options!;
        var on = Parse("--node-id", "n", "--public-key", "A", "--config", "f", "--dns-query-log", "q/queries.log", "--dns-query-log-rate", "250").Options!;

        Assert.Null(off.DnsQueryLog);
        Assert.Equal(100, off.DnsQueryLogRate);
        Assert.Equal(Path.GetFullPath("q/queries.log"), on.DnsQueryLog);
        Assert.Equal(250, on.DnsQueryLogRate);
        Assert.Contains("--dns-query-log", EdgeCommandLine.HelpText, StringComparison.Ordinal);
    }

    [Fact]
    public void Geo_data_file_defaults_to_the_data_directory_and_can_be_named()
    {
        Assert.Null(Parse("--node-id", "n", "--public-key", "A", "--config", "f").Options!.GeoDataFile);
        Assert.Equal(Path.GetFullPath("g/geo.json"), Parse("--node-id", "n", "--public-key", "A", "--config", "f", "--geo-data", "g/geo.json").Options!.GeoDataFile);
        Assert.Contains("--geo-data", EdgeCommandLine.HelpText, StringComparison.Ordinal);
    }

    [Fact]
    public void Node_key_comes_from_the_environment_when_not_on_the_command_line()
    {
        var r = EdgeCommandLine.Parse(["--node-id", "n", "--control-plane", "http://127.0.0.1:1", "--public-key", "AAAA"],
            name => name == "SPEEDERA_NODE_KEY" ? "from-env" : null, _ => "");
        Assert.Equal("from-env", r.Options!.NodeKey);
    }

    [Fact]
    public void Help_is_recognised_and_documents_every_listen_option()
    {
        Assert.True(Parse("--help").HelpRequested);
        foreach (var option in new[] { "--dns-listen", "--cache-listen", "--metrics-listen", "--loadp-listen", "--status-listen", "--config", "--data-dir", "--roles", "--public-key" })
        {
            Assert.Contains(option, EdgeCommandLine.HelpText, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("-?")]
    [InlineData("--node-id", "n", "--help")]
    public void Every_help_alias_asks_for_help_wherever_it_stands(params string[] args)
    {
        var r = Parse(args);

        Assert.True(r.HelpRequested);
        Assert.Null(r.Error);
    }

    [Fact]
    public void A_value_starting_with_an_at_sign_is_a_value_not_a_response_file()
    {
        var r = Parse("--node-id", "n", "--config", "f", "--public-key", "@not-a-response-file");

        Assert.Null(r.Error);
        Assert.Equal("@not-a-response-file", r.Options!.PublicKey);
    }

    [Theory]
    [InlineData("--control-plane and --config both", "Give exactly one of", "--node-id", "n", "--public-key", "A", "--control-plane", "http://127.0.0.1:1", "--node-key", "k", "--config", "f")]
    [InlineData("neither", "Give exactly one of", "--node-id", "n", "--public-key", "A")]
    [InlineData("no node id", "--node-id is required", "--config", "f", "--public-key", "A")]
    [InlineData("bad node id", "--node-id 'Node 1' must be", "--node-id", "Node 1", "--config", "f", "--public-key", "A")]
    [InlineData("no key", "--node-key (or --node-key-file, or SPEEDERA_NODE_KEY) is required", "--node-id", "n", "--public-key", "A", "--control-plane", "http://127.0.0.1:1")]
    [InlineData("no public key", "--public-key is required", "--node-id", "n", "--config", "f")]
    [InlineData("bad url", "is not an http(s) URL", "--node-id", "n", "--public-key", "A", "--control-plane", "ftp://x", "--node-key", "k")]
    [InlineData("bad endpoint", "--dns-listen 'localhost' is not IP:PORT", "--node-id", "n", "--public-key", "A", "--config", "f", "--dns-listen", "localhost")]
    [InlineData("bad query log rate", "--dns-query-log-rate '0' is not a positive whole number", "--node-id", "n", "--public-key", "A", "--config", "f", "--dns-query-log-rate", "0")]
    [InlineData("bad duration", "--poll-timeout 'soon' is not a positive duration", "--node-id", "n", "--public-key", "A", "--config", "f", "--poll-timeout", "soon")]
    [InlineData("unknown role", "unknown role 'web'", "--node-id", "n", "--public-key", "A", "--config", "f", "--roles", "web")]
    [InlineData("unknown option", "Unknown option '--colour'", "--colour", "red")]
    [InlineData("missing value", "Option --node-id needs a value", "--node-id")]
    [InlineData("twice", "Option --node-id is given twice", "--node-id", "a", "--node-id", "b")]
    public void Bad_command_lines_are_refused_with_a_reason(string why, string expected, params string[] args)
    {
        var r = Parse(args);
        Assert.Null(r.Options);
        Assert.True(r.Error?.Contains(expected, StringComparison.Ordinal), $"{why}: {r.Error}");
    }

    [LoadPMissingFact]
    public void Known_role_not_in_this_build_is_refused_naming_the_available_ones()
    {
        var r = Parse("--node-id", "n", "--public-key", "A", "--config", "f", "--roles", "loadp");
        Assert.Contains("role 'loadp' is not available in this build", r.Error, StringComparison.Ordinal);
    }
}

/// <summary>Runs only in a build without the loadp role; every other build skips it, saying so.</summary>
public sealed class LoadPMissingFactAttribute : FactAttribute
{
    public LoadPMissingFactAttribute()
    {
        if (EdgeRoleRegistry.Roles.ContainsKey("loadp"))
        {
            Skip = "this build has every known role (loadp included), so no known role can be missing from it";
        }
    }
}
