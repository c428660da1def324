using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;

namespace Speedera.Edge.Hosting;

/// <summary>
/// The edge executable's command line, parsed with System.CommandLine. Accepts "--name value" and
/// "--name=value"; the help text and the error messages are the node's own.
/// </summary>
public static class EdgeCommandLine
{
    private sealed record OptionSpec(string Name, string Argument, string Help);

    private static readonly OptionSpec[] Specs =
    [
        new("--node-id", "ID", "This node's id as enrolled in the portal (required)."),
        new("--roles", "LIST", $"Comma-separated roles to run: {string.Join(", ", EdgeRoleRegistry.KnownRoleNames)}. Default: none (the node only holds and reports its configuration). Roles available in this build: {AvailableRoles()}."),
        new("--control-plane", "URL", "Base URL of the control plane, e.g. http://127.0.0.1:5000. Either this or --config."),
        new("--node-key", "KEY", "This node's key issued in the portal. Also read from SPEEDERA_NODE_KEY; prefer that or --node-key-file so the key is not visible in the process list."),
        new("--node-key-file", "FILE", "File holding the node key."),
        new("--public-key", "FILE|BASE64", "The control plane's configuration signing key: a PEM file, or base64 SubjectPublicKeyInfo (required)."),
        new("--config", "FILE", "Run from this signed configuration envelope on disk, without a control plane."),
        new("--data-dir", "DIR", "Where the last good configuration and the upload spool live. Default: ./edge-data/<node-id>."),
        new("--dns-listen", "IP:PORT", "DNS role listen address, UDP and TCP. Default 127.0.0.1:8053."),
        new("--dns-query-log", "FILE", "DNS role: write a query log to FILE (rotated at 50 MB, 5 files kept). Default: off."),
        new("--dns-query-log-rate", "N", "DNS role: log at most N queries a second; the rest are counted in a comment line. Default 100."),
        new("--geo-data", "FILE", "DNS role: the signed geo data file for region routing (kept current from the control plane when there is one). Default: <data-dir>/geodata/geodata.json."),
        new("--cache-listen", "IP:PORT", "Cache role HTTP listen address. Default 127.0.0.1:8080."),
        new("--metrics-listen", "IP:PORT", "Metric exchange listen address (probes push to dns nodes). Default 127.0.0.1:9100."),
        new("--loadp-listen", "IP:PORT", "Load agent listen address. Default 127.0.0.1:9200."),
        new("--exchange-key-file", "FILE", "File holding the metric exchange key (base64, at least 16 bytes) shared by probes and dns nodes. Also read from SPEEDERA_EXCHANGE_KEY. Required for the dns and probe roles."),
        new("--status-listen", "IP:PORT", "Local status endpoint (GET /status, GET /healthz, GET /metrics in Prometheus format; no authentication: keep it on loopback or a management network). Default: off."),
        new("--poll-timeout", "DURATION", "How long a config long-poll may wait at the control plane (e.g. 30s). Default 30s."),
        new("--heartbeat-interval", "DURATION", "Time between heartbeats. Default 10s."),
        new("--upload-interval", "DURATION", "Time between upload spool drains. Default 1s."),
        new("--retry-delay", "DURATION", "Wait after a failed request or a refused document. Default 2s."),
        new("--help", "", "Show this help."),
    ];

    public static string HelpText
    {
        get
        {
            var sb = new StringBuilder();
            sb.AppendLine("Speedera edge node");
            sb.AppendLine();
            sb.AppendLine("Usage:");
            sb.AppendLine("  Speedera.Edge --node-id ID --control-plane URL --node-key KEY --public-key FILE|BASE64 [--roles dns,probe,cache,loadp] [options]");
            sb.AppendLine("  Speedera.Edge --node-id ID --config FILE --public-key FILE|BASE64 [--roles ...] [options]");
            sb.AppendLine();
            sb.AppendLine("Options:");
            foreach (var spec in Specs)
            {
                var left = spec.Argument.Length == 0 ? spec.Name : $"{spec.Name} {spec.Argument}";
                sb.Append("  ").Append(left.PadRight(32)).AppendLine(spec.Help);
            }

            sb.AppendLine();
            sb.AppendLine("Durations: 500ms, 30s, 2m, 1h, or a plain number of seconds.");
            return sb.ToString();
        }
    }

    /// <summary>Outcome: options, or help requested, or an error message.</summary>
    public sealed record ParseResult(EdgeOptions? Options, bool HelpRequested, string? Error);

    public static ParseResult Parse(IReadOnlyList<string> args, Func<string, string?>? environment = null, Func<string, string>? readFile = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        readFile ??= File.ReadAllText;
        var (command, options, help) = CreateCommand();

        // No response files: a key or path that starts with '@' is a value, not a file of arguments.
        var parsed = command.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.GetResult(help) is { Implicit: false })
        {
            return new ParseResult(null, true, null);
        }

        if (parsed.UnmatchedTokens.Count > 0)
        {
            return Error($"Unknown option '{parsed.UnmatchedTokens[0]}'.");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var option in options)
        {
            if (parsed.GetResult(option) is not { Implicit: false } result)
            {
                continue;
            }

            if (result.IdentifierTokenCount > 1)
            {
                return Error($"Option {option.Name} is given twice.");
            }

            if (result.Tokens.Count == 0)
            {
                return Error($"Option {option.Name} needs a value.");
            }

            values[option.Name] = result.Tokens[0].Value;
        }

        if (parsed.Errors.Count > 0)
        {
            return Error(parsed.Errors[0].Message);
        }

        try
        {
            return new ParseResult(Build(values, environment, readFile), false, null);
        }
        catch (FormatException ex)
        {
            return Error(ex.Message);
        }
    }

    /// <summary>
    /// The options as System.CommandLine symbols; values stay strings and are converted in
    /// <see cref="Build"/>, so every refusal reads the same as it always has.
    /// </summary>
    private static (RootCommand Command, List<Option<string>> Options, Option<bool> Help) CreateCommand()
    {
        var command = new RootCommand("Speedera edge node");

        // RootCommand brings its own help and version options; the node prints its own help text.
        command.Options.Clear();
        var help = new Option<bool>("--help", "-h", "-?") { Arity = ArgumentArity.Zero, Description = "Show this help." };
        command.Options.Add(help);
        var options = new List<Option<string>>();
        foreach (var spec in Specs.Where(s => s.Argument.Length > 0))
        {
            var option = new Option<string>(spec.Name) { Description = spec.Help, HelpName = spec.Argument };
            options.Add(option);
            command.Options.Add(option);
        }

        return (command, options, help);
    }

    private static ParseResult Error(string message) => new(null, false, message);

    private static EdgeOptions Build(Dictionary<string, string> v, Func<string, string?> environment, Func<string, string> readFile)
    {
        var nodeId = Get(v, "--node-id") ?? throw new FormatException("--node-id is required.");
        if (nodeId.Length is 0 or > 64 || !nodeId.All(ch => ch is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.'))
        {
            throw new FormatException($"--node-id '{nodeId}' must be 1-64 characters of a-z, 0-9, '-', '_' or '.'.");
        }

        var roles = ParseRoles(Get(v, "--roles"));
        var configFile = Get(v, "--config");
        var controlPlaneText = Get(v, "--control-plane");
        if ((configFile is null) == (controlPlaneText is null))
        {
            throw new FormatException("Give exactly one of --control-plane URL and --config FILE.");
        }

        Uri? controlPlane = null;
        string? nodeKey = null;
        if (controlPlaneText is not null)
        {
            if (!Uri.TryCreate(controlPlaneText, UriKind.Absolute, out controlPlane) || controlPlane.Scheme is not ("http" or "https"))
            {
                throw new FormatException($"--control-plane '{controlPlaneText}' is not an http(s) URL.");
            }

            var keyFile = Get(v, "--node-key-file");
            nodeKey = Get(v, "--node-key")
                ?? (keyFile is null ? null : readFile(keyFile).Trim())
                ?? environment("SPEEDERA_NODE_KEY");
            if (string.IsNullOrWhiteSpace(nodeKey))
            {
                throw new FormatException("--node-key (or --node-key-file, or SPEEDERA_NODE_KEY) is required with --control-plane.");
            }
        }

        var publicKey = Get(v, "--public-key") ?? throw new FormatException("--public-key is required: documents are only run when signed by the control plane.");
        if (File.Exists(publicKey))
        {
            publicKey = readFile(publicKey);
        }

        var exchangeKeyText = (Get(v, "--exchange-key-file") is { } exchangeFile ? readFile(exchangeFile).Trim() : null)
            ?? environment("SPEEDERA_EXCHANGE_KEY");
        byte[]? exchangeKey = null;
        if (!string.IsNullOrWhiteSpace(exchangeKeyText))
        {
            try
            {
                exchangeKey = Convert.FromBase64String(exchangeKeyText);
            }
            catch (FormatException)
            {
                throw new FormatException("The metric exchange key must be base64.");
            }

            if (exchangeKey.Length < 16)
            {
                throw new FormatException("The metric exchange key must be at least 16 bytes.");
            }
        }
        else if (roles.Contains("dns") || roles.Contains("probe"))
        {
            throw new FormatException("The dns and probe roles need the metric exchange key: --exchange-key-file or SPEEDERA_EXCHANGE_KEY.");
        }

        var defaults = new EdgeOptions { NodeId = nodeId, PublicKey = publicKey, DataDirectory = "" };
        return defaults with
        {
            Roles = roles,
            ControlPlane = controlPlane,
            NodeKey = nodeKey,
            ConfigFile = configFile,
            DataDirectory = Path.GetFullPath(Get(v, "--data-dir") ?? Path.Combine("edge-data", nodeId)),
            DnsListen = Endpoint(v, "--dns-listen") ?? defaults.DnsListen,
            DnsQueryLog = Get(v, "--dns-query-log") is { } queryLog ? Path.GetFullPath(queryLog) : null,
            DnsQueryLogRate = PositiveInt(v, "--dns-query-log-rate") ?? defaults.DnsQueryLogRate,
            GeoDataFile = Get(v, "--geo-data") is { } geoData ? Path.GetFullPath(geoData) : null,
            CacheListen = Endpoint(v, "--cache-listen") ?? defaults.CacheListen,
            MetricsListen = Endpoint(v, "--metrics-listen") ?? defaults.MetricsListen,
            LoadPListen = Endpoint(v, "--loadp-listen") ?? defaults.LoadPListen,
            StatusListen = Endpoint(v, "--status-listen"),
            PollTimeout = Duration(v, "--poll-timeout") ?? defaults.PollTimeout,
            HeartbeatInterval = Duration(v, "--heartbeat-interval") ?? defaults.HeartbeatInterval,
            UploadInterval = Duration(v, "--upload-interval") ?? defaults.UploadInterval,
            RetryDelay = Duration(v, "--retry-delay") ?? defaults.RetryDelay,
            ExchangeKey = exchangeKey,
        };
    }

    private static string? Get(Dictionary<string, string> v, string name) => v.TryGetValue(name, out var s) ? s : null;

    private static string[] ParseRoles(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text == "none")
        {
            return [];
        }

        var roles = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(r => r.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToArray();
        foreach (var role in roles)
        {
            if (!EdgeRoleRegistry.KnownRoleNames.Contains(role, StringComparer.Ordinal))
            {
                throw new FormatException($"--roles: unknown role '{role}'; roles are {string.Join(", ", EdgeRoleRegistry.KnownRoleNames)}.");
            }

            if (!EdgeRoleRegistry.Roles.ContainsKey(role))
            {
                throw new FormatException($"--roles: role '{role}' is not available in this build; available: {AvailableRoles()}.");
            }
        }

        return roles;
    }

    private static string AvailableRoles() =>
        EdgeRoleRegistry.Roles.Count == 0 ? "none yet" : string.Join(", ", EdgeRoleRegistry.Roles.Keys.Order(StringComparer.Ordinal));

    private static int? PositiveInt(Dictionary<string, string> v, string name) =>
        Get(v, name) is not { } text ? null
        : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n
        : throw new FormatException($"{name} '{text}' is not a positive whole number.");

    private static IPEndPoint? Endpoint(Dictionary<string, string> v, string name)
    {
        var text = Get(v, name);
        if (text is null)
        {
            return null;
        }

        if (!IPEndPoint.TryParse(text, out var ep) || !text.Contains(':', StringComparison.Ordinal))
        {
            throw new FormatException($"{name} '{text}' is not IP:PORT.");
        }

        return ep;
    }

    private static TimeSpan? Duration(Dictionary<string, string> v, string name)
    {
        var text = Get(v, name);
        if (text is null)
        {
            return null;
        }

        if (!TryParseDuration(text, out var value) || value <= TimeSpan.Zero)
        {
            throw new FormatException($"{name} '{text}' is not a positive duration (500ms, 30s, 2m, 1h).");
        }

        return value;
    }

    internal static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        (string number, double scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1),
            _ when text.EndsWith('m') => (text[..^1], 60),
            _ when text.EndsWith('h') => (text[..^1], 3600),
            _ => (text, 1),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || double.IsNaN(n) || double.IsInfinity(n))
        {
            return false;
        }

        value = TimeSpan.FromSeconds(n * scale);
        return true;
    }
}
