using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Speedera.Core.Configuration;
using Speedera.Edge.ControlPlane;
using Speedera.Edge.Hosting;

namespace Speedera.Tests.Unit.Configuration;

public sealed class EdgeNodeHostTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "speedera-edgehost-" + Guid.NewGuid().ToString("N"));

    public EdgeNodeHostTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private EdgeOptions Options(string publicKey, string? configFile) => new()
    {
        NodeId = "node-1",
        PublicKey = publicKey,
        ConfigFile = configFile,
        DataDirectory = Path.Combine(_dir, "data"),
    };

    [Fact]
    public async Task Node_runs_from_a_signed_file_without_a_control_plane()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        var file = Path.Combine(_dir, "config.json");
        await File.WriteAllBytesAsync(file, SignedConfiguration.Sign(SampleConfiguration.Create(9), key).ToJsonBytes());

        using var host = EdgeNodeHost.Build(Options(ConfigurationKeys.ExportPublicKeyPem(key), file), _ => { });
        await host.StartAsync();
        var current = host.Services.GetRequiredService<ConfigurationHolder>().Current;
        await host.StopAsync();

        Assert.Equal(9, current!.Version);
        Assert.Equal(ConfigurationSource.File, current.Source);
    }

    [Fact]
    public async Task Tampered_file_stops_the_start_with_the_reason()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        var envelope = SignedConfiguration.Sign(SampleConfiguration.Create(9), key);
        var document = (byte[])envelope.Document.Clone();
        document[10] ^= 0x01;
        var file = Path.Combine(_dir, "config.json");
        await File.WriteAllBytesAsync(file, (envelope with { Document = document }).ToJsonBytes());

        using var host = EdgeNodeHost.Build(Options(ConfigurationKeys.ExportPublicKeyBase64(key), file), _ => { });
        var ex = await Assert.ThrowsAsync<EdgeStartupException>(() => host.StartAsync());
        Assert.Contains("HashMismatch", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Node_starts_from_its_last_good_document_when_the_control_plane_is_unreachable()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        var options = Options(ConfigurationKeys.ExportPublicKeyBase64(key), null) with
        {
            ControlPlane = new Uri("http://127.0.0.1:1"),
            NodeKey = "k",
        };
        new LastGoodStore(options.ConfigDirectory).Write(SignedConfiguration.Sign(SampleConfiguration.Create(4), key).ToJsonBytes());

        using var host = EdgeNodeHost.Build(options, _ => { });
        await host.StartAsync();
        var current = host.Services.GetRequiredService<ConfigurationHolder>().Current;
        await host.StopAsync();

        Assert.Equal(4, current!.Version);
        Assert.Equal(ConfigurationSource.LastGood, current.Source);
    }

    [Fact]
    public void Bad_public_key_is_a_start_up_error()
    {
        var ex = Assert.Throws<EdgeStartupException>(() => EdgeNodeHost.Build(Options("nope", "x"), _ => { }));
        Assert.Contains("--public-key", ex.Message, StringComparison.Ordinal);
    }
}
