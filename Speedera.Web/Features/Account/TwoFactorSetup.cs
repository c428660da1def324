using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using QRCoder;

namespace Speedera.Web.Features.Account;

/// <summary>The authenticator app's setup: the shared key as the user types it, and the otpauth URI as a QR code.</summary>
public static class TwoFactorSetup
{
    public const int RecoveryCodeCount = 10;

    /// <summary>Key URI format (Google Authenticator wiki): issuer in the label and as a parameter; SHA-1, 6 digits, 30 s.</summary>
    public static string AuthenticatorUri(string email, string key) => string.Format(
        CultureInfo.InvariantCulture,
        "otpauth://totp/{0}:{1}?secret={2}&issuer={0}&digits=6",
        UrlEncoder.Default.Encode("Speedera"),
        UrlEncoder.Default.Encode(email),
        key);

    /// <summary>Groups of four, lower case: easier to type; authenticator apps ignore spaces and case.</summary>
    public static string FormatKey(string key)
    {
        var result = new StringBuilder();
        for (var i = 0; i < key.Length; i += 4)
        {
            result.Append(key.AsSpan(i, Math.Min(4, key.Length - i))).Append(' ');
        }

        return result.ToString().TrimEnd().ToLowerInvariant();
    }

    /// <summary>A PNG QR code as a data URI (the CSP allows <c>img-src data:</c>, no script draws it).</summary>
    public static string QrCodeDataUri(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(5);
        return "data:image/png;base64," + Convert.ToBase64String(png);
    }

    /// <summary>Authenticator codes as typed: spaces and dashes dropped (recovery codes keep their dash).</summary>
    public static string Normalize(string? code) => (code ?? "").Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).Trim();
}
