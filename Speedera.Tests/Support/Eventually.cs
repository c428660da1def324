namespace Speedera.Tests.Support;

/// <summary>Waits for state a test cannot be told about directly, by checking for it, never by sleeping a fixed time.</summary>
internal static class Eventually
{
    /// <summary>Returns once <paramref name="condition"/> holds; fails the test naming <paramref name="what"/> after <paramref name="within"/> (10 s).</summary>
    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {(within ?? TimeSpan.FromSeconds(10)).TotalSeconds:0.#} s waiting until {what}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>As <see cref="TrueAsync(Func{bool}, string, TimeSpan?)"/>, for a condition that has to ask (a database, a server).</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {(within ?? TimeSpan.FromSeconds(10)).TotalSeconds:0.#} s waiting until {what}");
            }

            await Task.Delay(50);
        }
    }
}
