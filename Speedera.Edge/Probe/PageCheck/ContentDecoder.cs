using System.IO.Compression;

namespace Speedera.Edge.Probe.PageCheck;

/// <summary>Undoes Content-Encoding (gzip, deflate, br) to measure the decoded size and parse HTML and CSS.</summary>
internal static class ContentDecoder
{
    public static byte[] Decode(byte[] body, string? contentEncoding, long maxDecodedBytes)
    {
        if (body.Length == 0 || string.IsNullOrWhiteSpace(contentEncoding) || contentEncoding.Trim().Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return body;
        }

        var decoded = body;
        foreach (var coding in contentEncoding.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Reverse())
        {
            using var input = new MemoryStream(decoded);
            using Stream decoder = coding.ToLowerInvariant() switch
            {
                "gzip" or "x-gzip" => new GZipStream(input, CompressionMode.Decompress),
                "deflate" => new ZLibStream(input, CompressionMode.Decompress),
                "br" => new BrotliStream(input, CompressionMode.Decompress),
                _ => throw new InvalidDataException($"Unknown content coding {coding}."),
            };
            using var output = new MemoryStream();
            var buffer = new byte[16 * 1024];
            int n;
            while ((n = decoder.Read(buffer)) > 0)
            {
                output.Write(buffer, 0, n);
                if (output.Length > maxDecodedBytes)
                {
                    throw new InvalidDataException("The decoded body is larger than the check allows.");
                }
            }

            decoded = output.ToArray();
        }

        return decoded;
    }
}
