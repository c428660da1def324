using Speedera.Core.Gtm;

namespace Speedera.Core.Geo;

/// <summary>
/// Collects networks (start, end, country code) in any order and builds the sorted range tables:
/// gaps become "unknown", neighbouring ranges of one country merge; where networks overlap (an MMDB
/// tree never yields overlaps) the earlier-starting one keeps the shared addresses.
/// </summary>
public sealed class GeoDatabaseBuilder
{
    private readonly List<GeoCountry> _countries = [new GeoCountry("", "", double.NaN, double.NaN, "Unknown")];
    private readonly Dictionary<string, ushort> _index = new(StringComparer.Ordinal);
    private readonly List<(uint Start, uint End, ushort Country)> _v4 = [];
    private readonly List<(UInt128 Start, UInt128 End, ushort Country)> _v6 = [];
    private readonly Dictionary<string, GeoCountry> _metadata;

    /// <param name="metadata">Continent, coordinates and name per country code; codes without metadata are kept with NaN coordinates.</param>
    public GeoDatabaseBuilder(IEnumerable<GeoCountry> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        _metadata = metadata.GroupBy(m => m.Code, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
    }

    public void AddNetwork(ClientAddress start, int prefixLength, string countryCode)
    {
        int max = start.MaxPrefix;
        if (prefixLength < 0 || prefixLength > max)
        {
            throw new ArgumentOutOfRangeException(nameof(prefixLength));
        }

        var group = ClientGroup.Of(start, prefixLength);
        UInt128 hostMask = prefixLength == max ? UInt128.Zero : (UInt128.One << (max - prefixLength)) - UInt128.One;
        AddRange(new ClientAddress(start.IsV6, group.Prefix), new ClientAddress(start.IsV6, group.Prefix | hostMask), countryCode);
    }

    public void AddRange(ClientAddress first, ClientAddress last, string countryCode)
    {
        if (first.IsV6 != last.IsV6 || first.Bits > last.Bits)
        {
            throw new ArgumentException("A range needs two addresses of one family in order.");
        }

        ushort country = CountryIndex(countryCode);
        if (first.IsV6)
        {
            _v6.Add((first.Bits, last.Bits, country));
        }
        else
        {
            _v4.Add(((uint)first.Bits, (uint)last.Bits, country));
        }
    }

    public GeoDatabase Build(long version, string source, string attribution)
    {
        var (v4s, v4c) = Flatten(_v4, uint.MaxValue);
        var (v6s, v6c) = Flatten(_v6, UInt128.MaxValue);
        return new GeoDatabase(version, source, attribution, [.. _countries], v4s, v4c, v6s, v6c);
    }

    private ushort CountryIndex(string code)
    {
        code = (code ?? "").Trim().ToUpperInvariant();
        if (code.Length != 2 || !char.IsAsciiLetterUpper(code[0]) || !char.IsAsciiLetterUpper(code[1]))
        {
            return 0;
        }

        if (!_index.TryGetValue(code, out var index))
        {
            if (_countries.Count >= ushort.MaxValue)
            {
                throw new InvalidOperationException("Too many countries.");
            }

            index = (ushort)_countries.Count;
            _countries.Add(_metadata.TryGetValue(code, out var meta)
                ? meta
                : new GeoCountry(code, "", double.NaN, double.NaN, code));
            _index[code] = index;
        }

        return index;
    }

    private static (T[] Starts, ushort[] Countries) Flatten<T>(List<(T Start, T End, ushort Country)> ranges, T max)
        where T : struct, System.Numerics.IBinaryInteger<T>
    {
        ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
        var starts = new List<T>(ranges.Count + 1);
        var countries = new List<ushort>(ranges.Count + 1);

        void Emit(T start, ushort country)
        {
            if (starts.Count > 0 && starts[^1] == start)
            {
                countries[^1] = country;
            }
            else if (countries.Count > 0 && countries[^1] == country)
            {
                return;
            }
            else
            {
                starts.Add(start);
                countries.Add(country);
            }

            // Merging the replaced entry with its predecessor keeps the table minimal.
            if (countries.Count > 1 && countries[^1] == countries[^2])
            {
                starts.RemoveAt(starts.Count - 1);
                countries.RemoveAt(countries.Count - 1);
            }
        }

        bool any = false;
        T next = T.Zero;
        foreach (var (start, end, country) in ranges)
        {
            if (any && end < next)
            {
                continue;
            }

            var from = any && start < next ? next : start;
            if (from > next || (!any && from > T.Zero))
            {
                Emit(next, 0);
            }

            Emit(from, country);
            any = true;
            if (end == max)
            {
                next = max;
                return ([.. starts], [.. countries]);
            }

            next = end + T.One;
        }

        Emit(next, 0);
        return ([.. starts], [.. countries]);
    }
}
