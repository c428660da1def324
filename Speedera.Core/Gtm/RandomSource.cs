namespace Speedera.Core.Gtm;

/// <summary>The engine's only source of chance, injected so tests are deterministic.</summary>
public interface IRandomSource
{
    /// <summary>A value in [0, <paramref name="maxExclusive"/>).</summary>
    long NextInt64(long maxExclusive);
}

public sealed class SystemRandomSource : IRandomSource
{
    public static SystemRandomSource Instance { get; } = new();

    public long NextInt64(long maxExclusive) => Random.Shared.NextInt64(maxExclusive);
}

/// <summary>A seeded source for tests and benchmarks; not thread-safe.</summary>
public sealed class SeededRandomSource(int seed) : IRandomSource
{
    private readonly Random _random = new(seed);

    public long NextInt64(long maxExclusive) => _random.NextInt64(maxExclusive);
}
