namespace Speedera.Edge.ControlPlane;

/// <summary>
/// The last good envelope on disk, exactly as received (still signed, so it is verified again on
/// load). Written to a temporary file, flushed, then renamed over the old one.
/// </summary>
public sealed class LastGoodStore(string directory)
{
    public string FilePath { get; } = Path.Combine(directory, "last-good.json");

    public byte[]? TryRead() => File.Exists(FilePath) ? File.ReadAllBytes(FilePath) : null;

    public void Write(ReadOnlySpan<byte> envelopeBytes)
    {
        Directory.CreateDirectory(directory);
        var temp = FilePath + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(envelopeBytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, FilePath, overwrite: true);
    }
}
