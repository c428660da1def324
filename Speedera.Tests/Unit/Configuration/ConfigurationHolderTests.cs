using Speedera.Edge.ControlPlane;

namespace Speedera.Tests.Unit.Configuration;

public class ConfigurationHolderTests
{
    private static AppliedConfiguration Doc(long version, string hash = "h") =>
        new(SampleConfiguration.Create(version), version, hash + version, DateTimeOffset.UnixEpoch, ConfigurationSource.ControlPlane);

    [Fact]
    public void Newer_version_is_swapped_in_and_announced()
    {
        var holder = new ConfigurationHolder();
        AppliedConfiguration? seen = null;
        holder.Changed += c => seen = c;

        Assert.Equal(ApplyOutcome.Applied, holder.Apply(Doc(1)));
        Assert.Equal(ApplyOutcome.Applied, holder.Apply(Doc(2)));
        Assert.Equal(2, holder.Current!.Version);
        Assert.Same(holder.Current, seen);
    }

    [Fact]
    public void Older_or_same_version_with_other_content_is_refused()
    {
        var holder = new ConfigurationHolder();
        holder.Apply(Doc(5));
        Assert.Equal(ApplyOutcome.OlderThanRunning, holder.Apply(Doc(4)));
        Assert.Equal(ApplyOutcome.OlderThanRunning, holder.Apply(Doc(5, "other")));
        Assert.Equal(ApplyOutcome.AlreadyRunning, holder.Apply(Doc(5)));
        Assert.Equal(5, holder.Current!.Version);
    }

    [Fact]
    public void Reader_keeps_the_document_it_took_while_a_new_one_is_applied()
    {
        var holder = new ConfigurationHolder();
        holder.Apply(Doc(1));
        var inFlight = holder.Current!;
        holder.Apply(Doc(2));
        Assert.Equal(1, inFlight.Version);
        Assert.Equal(1, inFlight.Configuration.Version);
        Assert.Equal(2, holder.Current!.Version);
    }

    [Fact]
    public async Task Waiting_for_a_version_completes_when_it_is_applied()
    {
        var holder = new ConfigurationHolder();
        holder.Apply(Doc(1));
        var wait = holder.WaitForVersionAboveAsync(1, CancellationToken.None);
        Assert.False(wait.IsCompleted);
        holder.Apply(Doc(2));
        var applied = await wait.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal(2, applied.Version);
    }
}
