using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Speedera.Core.Dns;
using Speedera.Core.Gtm;
using Speedera.Edge.Logging;

namespace Speedera.Edge.Dns;

/// <summary>One logged query.</summary>
internal readonly record struct QueryLogRecord(
    DateTimeOffset Time,
    ClientAddress Client,
    bool Tcp,
    string? Subnet,
    string Name,
    ushort QType,
    DnsResponseCode RCode,
    bool Truncated,
    GtmReason? Reason,
    string? Answer,
    string? Pop);

/// <summary>
/// The optional DNS query log, rate-limited so a flood cannot fill the disk or slow the answers: at most N queries a
/// second are written (the rest are counted, and a comment line says how many were left out); the admission check
/// is one interlocked increment and allocates nothing, so a query that is not logged costs next to nothing. Lines:
/// <c>2026-11-22T05:40:01.123Z 198.51.100.7 udp ecs=203.0.113.0/24 www.example.com A NOERROR reason=Latency answer=192.0.2.1 pop=iad</c>.
/// </summary>
public sealed class DnsQueryLog : IAsyncDisposable
{
    private readonly int _perSecond;
    private readonly TimeProvider _time;
    private readonly RotatingLogFile<QueryLogRecord> _file;
    private long _second = -1;
    private long _count;
    private long _suppressed;

    internal DnsQueryLog(string path, int perSecond, long maxBytes, int maxFiles, TimeProvider time, ILogger logger)
    {
        _perSecond = perSecond;
        _time = time;
        _file = new RotatingLogFile<QueryLogRecord>(path, maxBytes, maxFiles, 16_384, Format, ex => Log.QueryLogFailed(logger, ex), TakeSuppressedLine);
    }

    /// <summary>Queries not written because of the rate limit, since the last comment line.</summary>
    public long Suppressed => Interlocked.Read(ref _suppressed);

    /// <summary>Whether this query may be logged (within this second's allowance).</summary>
    public bool TryAdmit()
    {
        long second = _time.GetTimestamp() / _time.TimestampFrequency;
        long current = Volatile.Read(ref _second);
        if (current != second && Interlocked.CompareExchange(ref _second, second, current) == current)
        {
            Interlocked.Exchange(ref _count, 0);
        }

        if (Interlocked.Increment(ref _count) <= _perSecond)
        {
            return true;
        }

        Interlocked.Increment(ref _suppressed);
        return false;
    }

    /// <summary>Queues the record; called only after <see cref="TryAdmit"/>.</summary>
    public void Write(in DnsQuery query, ReadOnlySpan<byte> questionName, ClientAddress client, bool tcp, in DnsOutcome outcome)
    {
        string name = ".";
        if (query.HasQuestion && query.NameLength > 1)
        {
            Span<char> text = stackalloc char[DnsLimits.MaxNameLength];
            name = new string(text[..DnsName.ToLowerText(questionName[..query.NameLength], text)]);
        }

        string? subnet = query.HasEcs ? $"{new ClientAddress(query.EcsFamily == 2, query.EcsAddress)}/{query.EcsSourcePrefix}" : null;
        _file.Write(new QueryLogRecord(_time.GetUtcNow(), client, tcp, subnet, name, query.QType, outcome.RCode, outcome.Truncated,
            outcome.Reason, outcome.Answer?.Address, outcome.Answer?.PopId));
    }

    /// <summary>A query the parser refused (FORMERR) has no trustworthy name or type.</summary>
    public void WriteMalformed(ClientAddress client, bool tcp) =>
        _file.Write(new QueryLogRecord(_time.GetUtcNow(), client, tcp, null, "-", 0, DnsResponseCode.FormErr, false, null, null, null));

    internal static string Format(QueryLogRecord r)
    {
        var sb = new StringBuilder(160);
        sb.Append(r.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)).Append(' ')
          .Append(r.Client.ToString()).Append(r.Tcp ? " tcp " : " udp ");
        if (r.Subnet is not null)
        {
            sb.Append("ecs=").Append(r.Subnet).Append(' ');
        }

        sb.Append(r.Name).Append(' ').Append(TypeName(r.QType)).Append(' ').Append(RCodeName(r.RCode));
        if (r.Truncated)
        {
            sb.Append(" TC");
        }

        if (r.Reason is { } reason)
        {
            sb.Append(" reason=").Append(reason.ToString());
        }

        if (r.Answer is not null)
        {
            sb.Append(" answer=").Append(r.Answer).Append(" pop=").Append(r.Pop);
        }

        return sb.ToString();
    }

    private static string TypeName(ushort type) =>
        type == 0 ? "-" : Enum.IsDefined((DnsRecordType)type) ? ((DnsRecordType)type).ToString() : "TYPE" + type.ToString(CultureInfo.InvariantCulture);

    private static string RCodeName(DnsResponseCode rcode) =>
        Enum.IsDefined(rcode) ? rcode.ToString().ToUpperInvariant() : "RCODE" + ((int)rcode).ToString(CultureInfo.InvariantCulture);

    private string? TakeSuppressedLine()
    {
        long suppressed = Interlocked.Exchange(ref _suppressed, 0);
        return suppressed == 0 ? null : string.Create(CultureInfo.InvariantCulture,
            $"# {_time.GetUtcNow().UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ} {suppressed} queries not logged (limit {_perSecond}/s)");
    }

    public ValueTask DisposeAsync() => _file.DisposeAsync();
}
