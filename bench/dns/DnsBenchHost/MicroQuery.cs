using System.Net;
using Speedera.Core.Dns;

namespace DnsBenchHost;

internal static class MicroQuery
{
    public static byte[] Build(string name, DnsRecordType type, bool edns, string? ecs)
    {
        var bytes = new List<byte> { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, (byte)(edns ? 1 : 0) };
        foreach (var label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(label.Select(c => (byte)c));
        }

        bytes.AddRange([0, 0, (byte)type, 0, 1]);
        if (edns)
        {
            var option = new List<byte>();
            if (ecs is not null)
            {
                var parts = ecs.Split('/');
                int prefix = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
                var address = IPAddress.Parse(parts[0]).GetAddressBytes().Take((prefix + 7) / 8).ToArray();
                option.AddRange([0, 8, 0, (byte)(4 + address.Length), 0, 1, (byte)prefix, 0]);
                option.AddRange(address);
            }

            bytes.AddRange([0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, (byte)option.Count]);
            bytes.AddRange(option);
        }

        return [.. bytes];
    }
}
