using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Speedera.Core.Geo;
using Speedera.Web.Features.Configuration;
using Speedera.Web.Hosting;

namespace Speedera.Web.Features.Gtm.Geo;

/// <summary>
/// The control plane's geo data: compiled from the IP database packages once per package version
/// (the result is kept in the data folder, so later starts only read it), signed with the configuration
/// key and served to dns nodes at <see cref="Core.ControlPlane.EdgeApi.GeoDataPath"/>. The portal's
/// explainer, what-if and region editor read <see cref="Holder"/>.
/// </summary>
public sealed partial class GeoDataService(
    IOptions<SpeederaOptions> options,
    IWebHostEnvironment environment,
    ConfigurationSigningKey signingKey,
    ILogger<GeoDataService> logger) : BackgroundService
{
    private volatile SignedGeoData? _signed;
    private volatile byte[]? _envelope;

    public GeoDataHolder Holder { get; } = new();

    public SignedGeoData? Signed => _signed;

    /// <summary>The envelope JSON nodes download, or null while the data is not ready (or missing).</summary>
    public byte[]? EnvelopeBytes => _envelope;

    /// <summary>Completes when loading has finished, whether data was found or not.</summary>
    public Task Ready => _ready.Task;

    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        try
        {
            Load();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException or FormatException or MaxMind.Db.InvalidDatabaseException)
        {
            Holder.SetMissing("the geo data could not be compiled: " + ex.Message);
            LogFailed(logger, ex);
        }
        finally
        {
            _ready.TrySetResult();
        }
    }, stoppingToken);

    private void Load()
    {
        var source = GeoDataCompiler.FindSourceDirectory();
        if (source is null)
        {
            Holder.SetMissing("the geo data packages (tools/geodata) are not installed");
            LogMissing(logger);
            return;
        }

        var version = GeoDataCompiler.PackageVersion(source);
        var cacheDir = Path.Combine(options.Value.ResolveDataDirectory(environment.ContentRootPath), "geodata");
        var cacheFile = Path.Combine(cacheDir, $"dbip-country-{version}.spgeo");
        GeoDatabase? db = null;
        byte[]? bytes = null;
        if (File.Exists(cacheFile))
        {
            bytes = File.ReadAllBytes(cacheFile);
            if (!GeoDatabase.TryDeserialize(bytes, out db, out _))
            {
                db = null;
            }
        }

        if (db is null)
        {
            var started = TimeProvider.System.GetTimestamp();
            db = GeoDataCompiler.Compile(source);
            bytes = db.Serialize();
            Directory.CreateDirectory(cacheDir);
            var temp = cacheFile + ".tmp";
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, cacheFile, overwrite: true);
            var seconds = TimeProvider.System.GetElapsedTime(started).TotalSeconds;
            LogCompiled(logger, db.Source, db.V4RangeCount, db.V6RangeCount, seconds);
        }

        var signed = SignedGeoData.Sign(bytes!, signingKey.Key);
        _signed = signed;
        _envelope = signed.ToJsonBytes();
        Holder.Set(db);
    }

    /// <summary>GET /api/edge/v1/geodata: the signed file, 304 when the node has it, 404 when there is none.</summary>
    internal static IResult GetForNode(HttpContext http, GeoDataService service)
    {
        var signed = service.Signed;
        var envelope = service.EnvelopeBytes;
        if (signed is null || envelope is null)
        {
            return Results.Problem("The control plane has no geo data: " + (service.Holder.MissingReason ?? "not loaded yet"), statusCode: StatusCodes.Status404NotFound);
        }

        if (http.Request.Headers.IfNoneMatch.ToString() == signed.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        http.Response.Headers[HeaderNames.ETag] = signed.ETag;
        http.Response.Headers[HeaderNames.CacheControl] = "no-store";
        return Results.Bytes(envelope, "application/json");
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Geo data compiled from {Source}: {V4} IPv4 and {V6} IPv6 ranges in {Seconds:F1} s")]
    private static partial void LogCompiled(ILogger logger, string source, int v4, int v6, double seconds);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "No geo data: the tools/geodata packages are not installed; region routing and geoproximity are off")]
    private static partial void LogMissing(ILogger logger);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "Geo data could not be compiled; region routing and geoproximity are off")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
