using System.Security.Cryptography;
using Speedera.Core.Configuration;

namespace Speedera.Edge.ControlPlane;

/// <summary>Turns envelope bytes into a document this node may run: parse, key, hash, signature, validation.</summary>
public sealed class ConfigurationVerifier(ECDsa publicKey)
{
    public sealed record Result(SignedConfiguration? Envelope, NetworkConfiguration? Configuration, string? Error)
    {
        public bool Ok => Error is null;
    }

    public Result Verify(ReadOnlySpan<byte> envelopeBytes)
    {
        if (!SignedConfiguration.TryParse(envelopeBytes, out var envelope, out var parseError))
        {
            return new Result(null, null, parseError);
        }

        if (!envelope!.TryVerify(publicKey, out var configuration, out var error, out var detail))
        {
            return new Result(envelope, null, $"{error}: {detail}");
        }

        var validation = NetworkConfigurationValidator.Validate(configuration!);
        if (!validation.IsValid)
        {
            var first = string.Join("; ", validation.Errors.Take(5));
            return new Result(envelope, null, $"Invalid: {validation.Errors.Count} error(s): {first}");
        }

        return new Result(envelope, configuration, null);
    }
}
