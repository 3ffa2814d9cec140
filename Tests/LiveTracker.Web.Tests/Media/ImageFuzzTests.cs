using System.Buffers.Binary;
using LiveTracker.Web.Media;
using LiveTracker.Web.Tests.Media.Fixtures;
using Xunit;

namespace LiveTracker.Web.Tests.Media;

/// <summary>
/// Seeded mutations of valid images (3,600 in all, every third also thumbnailed): whatever the bytes, the inspector
/// and the thumbnailer answer (never throw, and the process survives SkiaSharp's native code), an accepted answer is
/// a sane one, and the process's memory stays bounded.
/// </summary>
/// <remarks>
/// Alone in its collection, so the resident-memory bound measures these decodes and not another test's node.
/// </remarks>
[Collection(ImageFuzzCollection.Name)]
public sealed class ImageFuzzTests
{
    private const int VariantsPerFixture = 600;

    // Mutated headers claim sizes up to the limits (50 megapixels, 200 MB of pixels): were such a buffer kept or
    // filled for each variant instead of refused or freed, resident memory would grow by far more than this.
    private const long MaxGrowthBytes = 96L << 20;
    private readonly ImageInspector _inspector = new();

    public static TheoryData<string> Fixtures() => ["jpeg", "png", "png-interlaced", "png-palette", "webp", "webp-lossless"];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Mutated_and_truncated_images_are_accepted_sanely_or_refused_as_invalid(string fixture)
    {
        var original = fixture == "png-palette"
            ? new PngWriter { Width = 45, Height = 30, ColorType = 3, BitDepth = 4, Palette = new byte[16 * 3], Transparency = [1, 2, 3] }.Encode()
            : ImageInspectorTests.Fixture(fixture, 45, 30);
        var thumbnailer = new Thumbnailer(_inspector, maxSide: 32);
        // string.GetHashCode differs per process; the seed must not, so a failure can be replayed.
        var random = new Random(fixture.Sum(c => c) * 7919 + 20240611);
        var refused = 0;
        long baseline = 0, peak = 0;

        for (var variant = 0; variant < VariantsPerFixture; variant++)
        {
            // The first variants load the codecs and JIT the paths; memory is measured from then on.
            if (variant == 50)
            {
                baseline = ResidentBytes();
            }
            else if (variant > 50 && variant % 25 == 0)
            {
                peak = Math.Max(peak, ResidentBytes());
            }

            var mutated = Mutate(original, random, fixCrcs: fixture.StartsWith("png", StringComparison.Ordinal) && variant % 2 == 0);

            var check = _inspector.Inspect(mutated);
            if (check.Ok)
            {
                Assert.Equal(ImageInspector.Sniff(mutated), check.Format);
                Assert.InRange(check.Width, 1, 16384);
                Assert.InRange(check.Height, 1, 16384);
                Assert.True((long)check.Width * check.Height <= 50_000_000);
                Assert.Null(check.Code);
            }
            else
            {
                refused++;
                Assert.Equal(MediaProblems.InvalidImage, check.Code);
                Assert.False(string.IsNullOrEmpty(check.Detail));
            }

            if (variant % 3 == 0)
            {
                var thumbnail = thumbnailer.Create(mutated);
                Assert.True(thumbnail.Ok || thumbnail.Check.Code == MediaProblems.InvalidImage);
                if (thumbnail.Ok)
                {
                    Assert.InRange(Math.Max(thumbnail.Width, thumbnail.Height), 1, 32);
                }
            }
        }

        peak = Math.Max(peak, ResidentBytes());
        Assert.True(peak - baseline <= MaxGrowthBytes, $"resident memory grew by {(peak - baseline) >> 20} MB over {VariantsPerFixture - 50} variants");

        // A fuzzer whose every variant passed would have tested nothing.
        Assert.True(refused > VariantsPerFixture / 4, $"only {refused} of {VariantsPerFixture} variants were refused");
    }

    /// <summary>VmRSS of this process (native pixel buffers included, which the GC's counters do not see).</summary>
    private static long ResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    private static byte[] Mutate(byte[] original, Random random, bool fixCrcs)
    {
        var bytes = (byte[])original.Clone();
        switch (random.Next(7))
        {
            case 0: // a few random bytes anywhere
                for (var i = random.Next(1, 9); i > 0; i--)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }

                break;
            case 1: // cut short
                bytes = bytes[..random.Next(bytes.Length)];
                break;
            case 2: // a range removed
                var start = random.Next(bytes.Length);
                var count = random.Next(1, Math.Min(64, bytes.Length - start) + 1);
                bytes = [.. bytes[..start], .. bytes[(start + count)..]];
                break;
            case 3: // a range repeated
                var from = random.Next(bytes.Length);
                var length = random.Next(1, Math.Min(64, bytes.Length - from) + 1);
                var at = random.Next(bytes.Length);
                bytes = [.. bytes[..at], .. bytes.AsSpan(from, length), .. bytes[at..]];
                break;
            case 4: // bit flips in the headers, where sizes and lengths live
                for (var i = random.Next(1, 4); i > 0; i--)
                {
                    bytes[random.Next(Math.Min(64, bytes.Length))] ^= (byte)(1 << random.Next(8));
                }

                break;
            case 5: // an extreme 32-bit value somewhere in the first 100 bytes
                uint[] extremes = [0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFF, 0x10000];
                var position = random.Next(Math.Min(100, bytes.Length - 4));
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(position), extremes[random.Next(extremes.Length)]);
                break;
            default: // random garbage appended after a cut
                var tail = new byte[random.Next(1, 200)];
                random.NextBytes(tail);
                bytes = [.. bytes[..random.Next(bytes.Length)], .. tail];
                break;
        }

        if (fixCrcs && bytes.Length > 8)
        {
            PngWriter.FixCrcs(bytes);
        }

        return bytes;
    }
}

/// <summary>The fuzz test runs alone: its memory bound is about its own decodes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ImageFuzzCollection
{
    public const string Name = "image fuzz, alone";
}
