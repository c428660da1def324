using Speedera.Core.Configuration;

namespace Speedera.Edge.Dns;

/// <summary>
/// Turns whatever configuration the holder returns into a compiled zone set, rebuilding once per new
/// configuration object. While one thread builds, the others keep answering from the previous set, so
/// a config change under load drops no queries; a configuration that fails to compile is skipped.
/// </summary>
public sealed class DnsConfigurationSource(Func<NetworkConfiguration?> configuration, Action<NetworkConfiguration, Exception>? onBuildFailed = null)
{
    private readonly Lock _buildLock = new();
    private volatile DnsZoneSet? _current;
    private volatile NetworkConfiguration? _failed;

    internal DnsZoneSet? Current
    {
        get
        {
            var config = configuration();
            var current = _current;
            if (config is null || ReferenceEquals(current?.Source, config) || ReferenceEquals(_failed, config))
            {
                return current;
            }

            if (current is not null)
            {
                if (!_buildLock.TryEnter())
                {
                    return current;
                }
            }
            else
            {
                _buildLock.Enter();
            }

            try
            {
                current = _current;
                if (!ReferenceEquals(current?.Source, config))
                {
                    try
                    {
                        current = DnsZoneSet.Build(config);
                        _current = current;
                    }
                    catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
                    {
                        _failed = config;
                        onBuildFailed?.Invoke(config, ex);
                    }
                }

                return current;
            }
            finally
            {
                _buildLock.Exit();
            }
        }
    }
}
