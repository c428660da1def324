using Speedera.Core;

namespace Speedera.Tests.Unit.Gtm;

public class StripedCounterTests
{
    [Fact]
    public async Task Concurrent_increments_and_adds_are_all_counted()
    {
        var counter = new StripedCounter();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 100_000; i++)
            {
                counter.Increment();
            }

            counter.Add(5);
        })));

        Assert.Equal((8 * 100_000) + 40, counter.Value);
    }
}
