using System.Runtime.InteropServices;
using Speedera.Edge.Cache;
using Speedera.Tests.Support;

namespace Speedera.Tests.Unit.Cache;

public class SealedBodyTests
{
    [PlatformFact(PlatformFeature.SealedBodies)]
    public void A_large_body_is_sealed_in_a_memfd_and_reads_back_byte_for_byte()
    {
        var bytes = new byte[100 * 1024];
        new Random(7).NextBytes(bytes);
        var memory = SealedBody.Store(bytes);

        Assert.True(MemoryMarshal.TryGetMemoryManager(memory, out SealedBody? sealedBody, out int start, out int length));
        Assert.Equal(0, start);
        Assert.Equal(bytes.Length, length);
        Assert.True(memory.Span.SequenceEqual(bytes));

        // The seals make the memfd immutable: a write through the descriptor is refused.
        var link = $"/proc/self/fd/{sealedBody!.FileDescriptor}";
        Assert.StartsWith("/memfd:speedera-body", new FileInfo(link).LinkTarget);
        var refused = Assert.ThrowsAny<Exception>(() =>
        {
            using var file = new FileStream(link, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1);
            file.Write([1, 2, 3]);
            file.Flush();
        });
        Assert.True(refused is IOException or UnauthorizedAccessException, refused.ToString());
        Assert.Throws<UnauthorizedAccessException>(() => File.WriteAllBytes(link, [1, 2, 3]));
        Assert.True(memory.Span.SequenceEqual(bytes));

        // Its page pipe holds the whole body (references to the memfd's pages, for tee and splice).
        Assert.True(sealedBody.PagePipe >= 0, "no page pipe");
        Assert.StartsWith("pipe:", new FileInfo($"/proc/self/fd/{sealedBody.PagePipe}").LinkTarget);
        Assert.Equal(bytes.Length, sealedBody.PagePipeBytes());
    }

    [PlatformFact(PlatformFeature.SealedBodies)]
    public async Task Dropped_bodies_give_back_their_descriptors_and_mappings_after_the_release_delay()
    {
        var descriptors = new List<(int Fd, string Name)>();
        CreateAndDrop(descriptors);
        GC.Collect();
        GC.WaitForPendingFinalizers();

        // Released ten seconds after collection (spans taken from them are long gone by then), not at once.
        Assert.Contains(descriptors, Exists);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (descriptors.Any(Exists) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        Assert.DoesNotContain(descriptors, Exists);

        // A descriptor number may be reused by another file later (another test's body too): compare the names.
        static bool Exists((int Fd, string Name) d) => Target(d.Fd) == d.Name;
        static string? Target(int fd) => new FileInfo($"/proc/self/fd/{fd}").LinkTarget;

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        static void CreateAndDrop(List<(int Fd, string Name)> descriptors)
        {
            for (var i = 0; i < 20; i++)
            {
                var sealedBody = SealedBody.TryCreate(new byte[64 * 1024]);
                Assert.NotNull(sealedBody);
                var name = Target(sealedBody.FileDescriptor);
                Assert.StartsWith("/memfd:speedera-body-", name);
                descriptors.Add((sealedBody.FileDescriptor, name!));
                Assert.True(sealedBody.PagePipe >= 0, "no page pipe");
                descriptors.Add((sealedBody.PagePipe, Target(sealedBody.PagePipe)!));
            }
        }
    }

    [Fact]
    public void A_small_body_stays_an_array()
    {
        var bytes = new byte[SealedBody.MinimumLength - 1];
        var memory = SealedBody.Store(bytes);
        Assert.True(MemoryMarshal.TryGetArray(memory, out var segment));
        Assert.Same(bytes, segment.Array);
    }
}

public class CachedBodyMemoryTests
{
    [Fact]
    public void A_body_only_on_disk_has_no_memory_copy()
    {
        var body = new CachedBody(3 * 1024 * 1024, new byte[32], null, "x.body", diskVerified: true);
        Assert.Null(body.Memory);
        body.SetMemory(null);
        Assert.Null(body.Memory);
    }

    [Fact]
    public void A_sealed_body_and_an_array_read_back_the_same_bytes()
    {
        var bytes = new byte[40_000];
        new Random(3).NextBytes(bytes);
        var asArray = new CachedBody(bytes.Length, new byte[32], bytes, null, false);
        var asSealed = new CachedBody(bytes.Length, new byte[32], SealedBody.Store(bytes), null, false);
        Assert.True(asArray.Memory!.Value.Span.SequenceEqual(bytes));
        Assert.True(asSealed.Memory!.Value.Span.SequenceEqual(bytes));
    }
}
