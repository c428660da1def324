namespace Speedera.Core;

/// <summary>
/// A counter incremented from many threads at once (every DNS query, every cache request): one cell per processor,
/// each on its own cache line, so concurrent increments do not bounce one line between cores. Reading sums the
/// cells; a read racing increments sees some of them, as with any counter.
/// </summary>
public sealed class StripedCounter
{
    /// <summary>16 longs = 128 bytes: a cell per two 64-byte lines, clear of the neighbour's prefetch.</summary>
    private const int Stride = 16;
    private static readonly int Stripes = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, 64));
    private readonly long[] _cells = new long[Stripes * Stride];

    public void Increment() => Interlocked.Increment(ref _cells[(Thread.GetCurrentProcessorId() & (Stripes - 1)) * Stride]);

    /// <summary>Increments and returns this processor's cell (not the total): a free way to pick every n-th event for sampling.</summary>
    public long IncrementCell() => Interlocked.Increment(ref _cells[(Thread.GetCurrentProcessorId() & (Stripes - 1)) * Stride]);

    public void Add(long value) => Interlocked.Add(ref _cells[(Thread.GetCurrentProcessorId() & (Stripes - 1)) * Stride], value);

    public long Value
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _cells.Length; i += Stride)
            {
                sum += Volatile.Read(ref _cells[i]);
            }

            return sum;
        }
    }
}
