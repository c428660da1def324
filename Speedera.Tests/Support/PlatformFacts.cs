using System.Runtime.InteropServices;
using Speedera.Edge.Cache;
using Speedera.Edge.Dns;

namespace Speedera.Tests.Support;

/// <summary>The platform-specific paths a test may need; each says why it is missing where it is.</summary>
public enum PlatformFeature
{
    /// <summary>Sealed memfd bodies (<see cref="SealedBody"/>).</summary>
    SealedBodies,

    /// <summary>The sendfile/splice sender and the connection-level hit path built on it (<see cref="ZeroCopySender"/>).</summary>
    ZeroCopySend,

    /// <summary>The recvmmsg/sendmmsg UDP path of the DNS server (<see cref="LinuxUdpBatch"/>).</summary>
    UdpBatch,
}

internal static class PlatformFeatures
{
    /// <summary>Null when <paramref name="feature"/> works here, else the reason a test that needs it is skipped.</summary>
    public static string? MissingReason(PlatformFeature feature)
    {
        var supported = feature switch
        {
            PlatformFeature.SealedBodies => SealedBody.Supported,
            PlatformFeature.ZeroCopySend => ZeroCopySender.Supported,
            PlatformFeature.UdpBatch => LinuxUdpBatch.Supported,
            _ => throw new ArgumentOutOfRangeException(nameof(feature)),
        };
        return supported
            ? null
            : $"{feature} needs Linux on x86-64 or ARM64; this is {RuntimeInformation.OSDescription} on {RuntimeInformation.ProcessArchitecture}";
    }
}

/// <summary>
/// A fact that reports "skipped", with the reason, where the platform lacks the feature under test, instead of
/// returning early and passing (xunit 2 has no dynamic skip; the attribute decides at discovery).
/// </summary>
public sealed class PlatformFactAttribute : FactAttribute
{
    public PlatformFactAttribute(PlatformFeature feature) => Skip = PlatformFeatures.MissingReason(feature);
}

/// <summary>The <see cref="PlatformFactAttribute"/> of theories.</summary>
public sealed class PlatformTheoryAttribute : TheoryAttribute
{
    public PlatformTheoryAttribute(PlatformFeature feature) => Skip = PlatformFeatures.MissingReason(feature);
}
