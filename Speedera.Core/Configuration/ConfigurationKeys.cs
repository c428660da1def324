using System.Security.Cryptography;
using System.Text;

namespace Speedera.Core.Configuration;

/// <summary>Creating, naming, exporting and importing the control plane's ECDSA P-256 signing key.</summary>
public static class ConfigurationKeys
{
    public static ECDsa CreateSigningKey() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>First 16 hex digits of the SHA-256 of the key's SubjectPublicKeyInfo.</summary>
    public static string ComputeKeyId(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var spki = key.ExportSubjectPublicKeyInfo();
        return Convert.ToHexStringLower(SHA256.HashData(spki))[..16];
    }

    /// <summary>The public key as base64 SubjectPublicKeyInfo (what nodes are given at enrolment).</summary>
    public static string ExportPublicKeyBase64(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
    }

    /// <summary>
    /// Imports a P-256 public key given as PEM ("-----BEGIN PUBLIC KEY-----") or as base64
    /// SubjectPublicKeyInfo. Returns false with a reason otherwise.
    /// </summary>
    public static bool TryImportPublicKey(string text, out ECDsa? key, out string? error)
    {
        key = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "The public key is empty.";
            return false;
        }

        var candidate = ECDsa.Create();
        try
        {
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                candidate.ImportFromPem(text);
            }
            else
            {
                candidate.ImportSubjectPublicKeyInfo(Convert.FromBase64String(text.Trim()), out _);
            }
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
        {
            candidate.Dispose();
            error = "The public key is neither PEM nor base64 SubjectPublicKeyInfo: " + ex.Message;
            return false;
        }

        if (candidate.KeySize != 256)
        {
            candidate.Dispose();
            error = $"The public key is a {candidate.KeySize}-bit curve; configuration keys are P-256.";
            return false;
        }

        key = candidate;
        return true;
    }

    /// <summary>PKCS#8 PEM of the private key, for the control plane's data folder.</summary>
    public static string ExportPrivateKeyPem(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.ExportPkcs8PrivateKeyPem();
    }

    public static ECDsa ImportPrivateKeyPem(string pem)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(pem);
        return key;
    }

    public static string ExportPublicKeyPem(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var b64 = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo(), Base64FormattingOptions.InsertLineBreaks);
        return new StringBuilder()
            .Append("-----BEGIN PUBLIC KEY-----\n")
            .Append(b64.Replace("\r\n", "\n", StringComparison.Ordinal))
            .Append("\n-----END PUBLIC KEY-----\n")
            .ToString();
    }
}
