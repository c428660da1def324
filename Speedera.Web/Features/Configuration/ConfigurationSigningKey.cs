using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Speedera.Core.Configuration;
using Speedera.Web.Hosting;

namespace Speedera.Web.Features.Configuration;

/// <summary>
/// The control plane's ECDSA P-256 configuration signing key: created on first run as
/// <c>config-signing-key.pem</c> in the data folder (owner read/write only), never in the repository.
/// Several portal instances share it through the data folder.
/// </summary>
public sealed class ConfigurationSigningKey : IDisposable
{
    public const string FileName = "config-signing-key.pem";

    public ConfigurationSigningKey(IOptions<SpeederaOptions> options, IWebHostEnvironment environment)
        : this(Path.Combine(options.Value.ResolveDataDirectory(environment.ContentRootPath), FileName))
    {
    }

    internal ConfigurationSigningKey(string path)
    {
        FilePath = path;
        if (File.Exists(path))
        {
            Key = ConfigurationKeys.ImportPrivateKeyPem(File.ReadAllText(path));
        }
        else
        {
            Key = ConfigurationKeys.CreateSigningKey();
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = path + ".tmp";
            var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temp, fileOptions))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(ConfigurationKeys.ExportPrivateKeyPem(Key));
            }

            // Another instance may have created it meanwhile: keep theirs.
            try
            {
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temp);
                Key.Dispose();
                Key = ConfigurationKeys.ImportPrivateKeyPem(File.ReadAllText(path));
            }
        }

        KeyId = ConfigurationKeys.ComputeKeyId(Key);
        PublicKeyBase64 = ConfigurationKeys.ExportPublicKeyBase64(Key);
        PublicKeyPem = ConfigurationKeys.ExportPublicKeyPem(Key);
    }

    public string FilePath { get; }

    public ECDsa Key { get; }

    public string KeyId { get; }

    /// <summary>What edge nodes are given at enrolment (<c>--public-key</c>).</summary>
    public string PublicKeyBase64 { get; }

    public string PublicKeyPem { get; }

    public void Dispose() => Key.Dispose();
}
