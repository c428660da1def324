using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Speedera.Core.Dns;

/// <summary>
/// Writes a DNS message into a caller-provided buffer with name compression (RFC 1035 §4.1.4).
/// Every Try* method leaves the writer unchanged when the record does not fit, so the caller can
/// stop at the first failure and set TC, or drop optional additional records.
/// </summary>
public ref struct DnsMessageWriter
{
    private const int MaxTargets = 64;
    private readonly Span<byte> _buffer;
    private CompressionTargets _targets;
    private int _targetCount;
    private int _limit;

    public DnsMessageWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _limit = buffer.Length;
        Position = 0;
    }

    public int Position { get; private set; }

    /// <summary>The highest offset writing may reach; lowered to keep room for the OPT record.</summary>
    public int Limit
    {
        readonly get => _limit;
        set => _limit = Math.Min(value, _buffer.Length);
    }

    public readonly ReadOnlySpan<byte> Written => _buffer[..Position];

    public ushort AnswerCount { get; private set; }

    public ushort AuthorityCount { get; private set; }

    public ushort AdditionalCount { get; private set; }

    /// <summary>Writes the header; counts are patched by <see cref="Finish"/>.</summary>
    public bool TryWriteHeader(ushort id, ushort flags, ushort questionCount)
    {
        if (_limit < DnsLimits.HeaderSize)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(_buffer, id);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], flags);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[4..], questionCount);
        _buffer.Slice(6, 6).Clear();
        Position = DnsLimits.HeaderSize;
        return true;
    }

    public readonly void SetFlags(ushort flags) => BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], flags);

    public readonly ushort GetFlags() => BinaryPrimitives.ReadUInt16BigEndian(_buffer[2..]);

    /// <summary>Writes the question exactly as received (case kept) and records it for compression.</summary>
    public bool TryWriteQuestion(scoped ReadOnlySpan<byte> name, ushort type, ushort cls)
    {
        var mark = Mark();
        if (!TryWriteName(name) || !TryWriteUInt16(type) || !TryWriteUInt16(cls))
        {
            Reset(mark);
            return false;
        }

        return true;
    }

    public bool TryWriteRecord(DnsSection section, scoped ReadOnlySpan<byte> name, DnsRecordType type, uint ttl, scoped ReadOnlySpan<byte> rdata)
    {
        var mark = Mark();
        if (!TryWriteRecordHeader(name, type, ttl) || !TryWriteUInt16((ushort)rdata.Length) || !TryWriteBytes(rdata))
        {
            Reset(mark);
            return false;
        }

        Count(section);
        return true;
    }

    /// <summary>NS and CNAME: the RDATA is a name, compressed too (RFC 1035 §3.3).</summary>
    public bool TryWriteNameRecord(DnsSection section, scoped ReadOnlySpan<byte> name, DnsRecordType type, uint ttl, scoped ReadOnlySpan<byte> target)
    {
        var mark = Mark();
        if (!TryWriteRecordHeader(name, type, ttl) || !TryReserve(2, out int lengthAt))
        {
            Reset(mark);
            return false;
        }

        int start = Position;
        if (!TryWriteName(target))
        {
            Reset(mark);
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(_buffer[lengthAt..], (ushort)(Position - start));
        Count(section);
        return true;
    }

    /// <summary>RFC 1035 §3.3.13.</summary>
    public bool TryWriteSoa(DnsSection section, scoped ReadOnlySpan<byte> name, uint ttl, scoped ReadOnlySpan<byte> primary, scoped ReadOnlySpan<byte> mailbox,
        uint serial, uint refresh, uint retry, uint expire, uint minimum)
    {
        var mark = Mark();
        if (!TryWriteRecordHeader(name, DnsRecordType.SOA, ttl) || !TryReserve(2, out int lengthAt))
        {
            Reset(mark);
            return false;
        }

        int start = Position;
        if (!TryWriteName(primary) || !TryWriteName(mailbox) || !TryReserve(20, out int numbersAt))
        {
            Reset(mark);
            return false;
        }

        var numbers = _buffer.Slice(numbersAt, 20);
        BinaryPrimitives.WriteUInt32BigEndian(numbers, serial);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[4..], refresh);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[8..], retry);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[12..], expire);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[16..], minimum);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[lengthAt..], (ushort)(Position - start));
        Count(section);
        return true;
    }

    /// <summary>
    /// The OPT pseudo-record (RFC 6891 §6.1.2) with our payload size, the upper bits of the rcode, the
    /// DO bit and, if the query had one, the Client Subnet option echoed with a scope (RFC 7871 §7.2.1).
    /// </summary>
    public bool TryWriteOpt(ushort payloadSize, byte extendedRCode, bool dnssecOk, in DnsQuery ecsFrom, byte ecsScope) =>
        TryWriteOpt(payloadSize, extendedRCode, dnssecOk, in ecsFrom, ecsScope, []);

    /// <summary>OPT with the ECS echo (when the query had one) followed by <paramref name="moreOptions"/>, already encoded.</summary>
    public bool TryWriteOpt(ushort payloadSize, byte extendedRCode, bool dnssecOk, in DnsQuery ecsFrom, byte ecsScope, scoped ReadOnlySpan<byte> moreOptions)
    {
        int ecsLength = ecsFrom.HasEcs ? 4 + ((ecsFrom.EcsSourcePrefix + 7) / 8) : 0;
        int ecsRdLength = ecsFrom.HasEcs ? 4 + ecsLength : 0;
        int rdLength = ecsRdLength + moreOptions.Length;
        if (!TryReserve(11 + rdLength, out int at))
        {
            return false;
        }

        var span = _buffer.Slice(at, 11 + rdLength);
        span[0] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)DnsRecordType.OPT);
        BinaryPrimitives.WriteUInt16BigEndian(span[3..], payloadSize);
        span[5] = extendedRCode;
        span[6] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(span[7..], dnssecOk ? (ushort)0x8000 : (ushort)0);
        BinaryPrimitives.WriteUInt16BigEndian(span[9..], (ushort)rdLength);
        if (ecsFrom.HasEcs)
        {
            var opt = span[11..];
            BinaryPrimitives.WriteUInt16BigEndian(opt, DnsLimits.EcsOptionCode);
            BinaryPrimitives.WriteUInt16BigEndian(opt[2..], (ushort)ecsLength);
            BinaryPrimitives.WriteUInt16BigEndian(opt[4..], ecsFrom.EcsFamily);
            opt[6] = ecsFrom.EcsSourcePrefix;
            opt[7] = ecsScope;
            Span<byte> full = stackalloc byte[16];
            if (ecsFrom.EcsFamily == 1)
            {
                BinaryPrimitives.WriteUInt32BigEndian(full, (uint)ecsFrom.EcsAddress);
            }
            else
            {
                BinaryPrimitives.WriteUInt128BigEndian(full, ecsFrom.EcsAddress);
            }

            full[..(ecsLength - 4)].CopyTo(opt[8..]);
        }

        moreOptions.CopyTo(span[(11 + ecsRdLength)..]);

        AdditionalCount++;
        return true;
    }

    /// <summary>Patches the section counts into the header; returns the message length.</summary>
    public readonly int Finish()
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[6..], AnswerCount);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[8..], AuthorityCount);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[10..], AdditionalCount);
        return Position;
    }

    public readonly WriterMark Mark() => new(Position, _targetCount, AnswerCount, AuthorityCount, AdditionalCount);

    public void Reset(WriterMark mark)
    {
        Position = mark.Position;
        _targetCount = mark.Targets;
        AnswerCount = mark.Answers;
        AuthorityCount = mark.Authorities;
        AdditionalCount = mark.Additionals;
    }

    private void Count(DnsSection section)
    {
        switch (section)
        {
            case DnsSection.Answer: AnswerCount++; break;
            case DnsSection.Authority: AuthorityCount++; break;
            default: AdditionalCount++; break;
        }
    }

    private bool TryWriteRecordHeader(scoped ReadOnlySpan<byte> name, DnsRecordType type, uint ttl)
    {
        if (!TryWriteName(name) || !TryReserve(8, out int at))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(_buffer[at..], (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[(at + 2)..], (ushort)DnsClass.IN);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[(at + 4)..], ttl);
        return true;
    }

    /// <summary>Writes a name, replacing its longest already-written suffix by a pointer.</summary>
    private bool TryWriteName(scoped ReadOnlySpan<byte> name)
    {
        // Labels written now become compression targets only once the name is complete (until then
        // the bytes after them are not a name yet): they are staged past _targetCount, which
        // FindTarget does not search, and committed at the end.
        int pending = 0;
        int labelStart = 0;
        bool done = false;
        while (labelStart < name.Length && name[labelStart] != 0)
        {
            var suffix = name[labelStart..];
            int target = FindTarget(suffix);
            if (target >= 0)
            {
                if (!TryReserve(2, out int at))
                {
                    return false;
                }

                BinaryPrimitives.WriteUInt16BigEndian(_buffer[at..], (ushort)(0xC000 | target));
                done = true;
                break;
            }

            int len = name[labelStart];
            if (Position + 1 + len > _limit)
            {
                return false;
            }

            if (Position < 0x3FFF && _targetCount + pending < MaxTargets)
            {
                _targets[_targetCount + pending++] = (ushort)Position;
            }

            name.Slice(labelStart, 1 + len).CopyTo(_buffer[Position..]);
            Position += 1 + len;
            labelStart += 1 + len;
        }

        if (!done)
        {
            if (Position + 1 > _limit)
            {
                return false;
            }

            _buffer[Position++] = 0;
        }

        _targetCount += pending;
        return true;
    }

    private readonly int FindTarget(scoped ReadOnlySpan<byte> suffix)
    {
        for (int i = 0; i < _targetCount; i++)
        {
            if (NameAtEquals(_targets[i], suffix))
            {
                return _targets[i];
            }
        }

        return -1;
    }

    /// <summary>Compares the (possibly compressed) name we wrote at <paramref name="offset"/> with an uncompressed one.</summary>
    private readonly bool NameAtEquals(int offset, scoped ReadOnlySpan<byte> name)
    {
        int pos = offset;
        int i = 0;
        while (true)
        {
            byte len = _buffer[pos];
            if ((len & 0xC0) == 0xC0)
            {
                pos = ((len & 0x3F) << 8) | _buffer[pos + 1];
                continue;
            }

            if (i >= name.Length || name[i] != len)
            {
                return false;
            }

            if (len == 0)
            {
                return true;
            }

            for (int k = 1; k <= len; k++)
            {
                if (DnsName.ToLower(_buffer[pos + k]) != DnsName.ToLower(name[i + k]))
                {
                    return false;
                }
            }

            pos += 1 + len;
            i += 1 + len;
        }
    }

    private bool TryWriteUInt16(ushort value)
    {
        if (!TryReserve(2, out int at))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(_buffer[at..], value);
        return true;
    }

    private bool TryWriteBytes(scoped ReadOnlySpan<byte> bytes)
    {
        if (!TryReserve(bytes.Length, out int at))
        {
            return false;
        }

        bytes.CopyTo(_buffer[at..]);
        return true;
    }

    private bool TryReserve(int count, out int at)
    {
        at = Position;
        if (Position + count > _limit)
        {
            return false;
        }

        Position += count;
        return true;
    }

    [InlineArray(MaxTargets)]
    private struct CompressionTargets
    {
        private ushort _element;
    }
}

public enum DnsSection
{
    Answer,
    Authority,
    Additional,
}

public readonly record struct WriterMark(int Position, int Targets, ushort Answers, ushort Authorities, ushort Additionals);
