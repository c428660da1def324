using System.Text;
using Speedera.Core.ControlPlane;
using Speedera.Edge.ControlPlane;

namespace Speedera.Tests.Unit.Configuration;

public sealed class SpoolingEdgeUploaderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "speedera-spool-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private SpoolingEdgeUploader Create() => new(_dir, TimeProvider.System);

    [Fact]
    public void Sequence_numbers_increase_across_kinds()
    {
        using var spool = Create();
        var a = spool.Enqueue(UploadKinds.Usage, "{\"bytes\":1}"u8);
        var b = spool.Enqueue(UploadKinds.Decisions, "{\"n\":2}"u8);
        var c = spool.Enqueue(UploadKinds.Usage, "{\"bytes\":3}"u8);
        Assert.True(a < b && b < c);
        Assert.Equal(3, spool.PendingCount);
    }

    [Fact]
    public void Records_survive_a_restart_and_sequence_numbers_never_repeat()
    {
        long last;
        using (var spool = Create())
        {
            spool.Enqueue(UploadKinds.Usage, "{\"bytes\":1}"u8);
            last = spool.Enqueue(UploadKinds.Usage, "{\"bytes\":2}"u8);
        }

        using var again = Create();
        Assert.Equal(2, again.PendingCount);
        var next = again.Enqueue(UploadKinds.Usage, "{\"bytes\":3}"u8);
        Assert.True(next > last, $"{next} should be above {last}");

        var records = again.TakeSegments(UploadKinds.Usage).SelectMany(SpoolingEdgeUploader.ReadSegment).ToList();
        Assert.Equal(3, records.Count);
        Assert.Equal(3, records.Select(r => r.Sequence).Distinct().Count());
        Assert.Equal(3, records[2].Payload.GetProperty("bytes").GetInt32());
    }

    [Fact]
    public void Acknowledged_segment_is_removed_and_no_longer_pending()
    {
        using var spool = Create();
        spool.Enqueue(UploadKinds.ProbeResults, "[1,2]"u8);
        var segment = Assert.Single(spool.TakeSegments(UploadKinds.ProbeResults));
        spool.Acknowledge(segment, 1);
        Assert.Empty(spool.TakeSegments(UploadKinds.ProbeResults));
        Assert.Equal(0, spool.PendingCount);
    }

    [Fact]
    public void Records_enqueued_after_a_segment_is_taken_go_to_a_new_segment()
    {
        using var spool = Create();
        spool.Enqueue(UploadKinds.Usage, "{}"u8);
        var first = spool.TakeSegments(UploadKinds.Usage);
        spool.Enqueue(UploadKinds.Usage, "{}"u8);
        var both = spool.TakeSegments(UploadKinds.Usage);
        Assert.Single(first);
        Assert.Equal(2, both.Count);
        Assert.Equal(first[0], both[0]);
    }

    [Fact]
    public void Torn_last_line_from_a_crash_is_skipped()
    {
        using (var spool = Create())
        {
            spool.Enqueue(UploadKinds.Usage, "{\"a\":1}"u8);
        }

        var file = Directory.GetFiles(Path.Combine(_dir, UploadKinds.Usage), "*.jsonl").Single();
        File.AppendAllText(file, "{\"sequence\":99,\"enq", Encoding.UTF8);
        Assert.Single(SpoolingEdgeUploader.ReadSegment(file));
    }

    [Fact]
    public void Multi_line_payload_is_stored_on_one_line()
    {
        using var spool = Create();
        spool.Enqueue(UploadKinds.Usage, "{\n  \"a\": 1\n}"u8);
        var segment = Assert.Single(spool.TakeSegments(UploadKinds.Usage));
        Assert.Single(File.ReadAllLines(segment));
    }

    [Theory]
    [InlineData("Usage")]
    [InlineData("")]
    [InlineData("a/b")]
    public void Bad_kind_is_refused(string kind)
    {
        using var spool = Create();
        Assert.Throws<ArgumentException>(() => spool.Enqueue(kind, "{}"u8));
    }

    [Fact]
    public void Payload_that_is_not_json_is_refused()
    {
        using var spool = Create();
        Assert.Throws<ArgumentException>(() => spool.Enqueue(UploadKinds.Usage, "not json"u8));
        Assert.Equal(0, spool.PendingCount);
    }
}
