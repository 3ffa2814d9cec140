using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace LiveTracker.Agent.X11;

/// <summary>
/// The privacy blur for screenshots, done on the device so the sharp image never leaves it. Text must become
/// unreadable, so the blur is wide: about a Gaussian of σ ≈ 1.2 × max(6, width / 160) pixels (≈ 15 px on a
/// 1920-wide screen, where a line of text is 13–20 px high).
/// </summary>
/// <remarks>
/// A blur that wide is cheap at a lower resolution: average f×f blocks (f = radius / 2), run three passes of a
/// separable 5-tap box blur on that small image (three box passes approximate a Gaussian), then scale back up
/// bilinearly. 1920x1080 takes a few milliseconds on one core; only the small image is blurred, and nothing is
/// allocated per pixel.
/// </remarks>
internal static class Blur
{
    private const int SmallRadius = 2, Passes = 3, Channels = 3;

    /// <summary>The nominal blur radius in pixels for a frame <paramref name="width"/> pixels wide.</summary>
    internal static int RadiusFor(int width) => Math.Max(6, width / 160);

    /// <summary>Blurs packed B, G, R, X pixels into a new array; X comes out as 255.</summary>
    /// <remarks>Optimised at once rather than tiered: a capture every few minutes would otherwise run unoptimised.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe byte[] Apply(ReadOnlySpan<byte> source, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (source.Length < width * height * 4)
        {
            throw new ArgumentException("fewer pixels than width x height", nameof(source));
        }

        var factor = Math.Max(2, RadiusFor(width) / 2);
        var smallWidth = (width + factor - 1) / factor;
        var smallHeight = (height + factor - 1) / factor;
        var count = smallWidth * smallHeight * Channels;
        var small = ArrayPool<float>.Shared.Rent(count);
        var scratch = ArrayPool<float>.Shared.Rent(count);
        var line = ArrayPool<float>.Shared.Rent((Math.Max(smallWidth, smallHeight) * Channels) + Channels);
        var result = GC.AllocateUninitializedArray<byte>(width * height * 4);
        try
        {
            fixed (byte* src = source)
            fixed (byte* dst = result)
            fixed (float* a = small, b = scratch, l = line)
            {
                Shrink(src, width, height, factor, a, smallWidth, smallHeight);
                for (var pass = 0; pass < Passes; pass++)
                {
                    // Rows from a into b, then columns from b back into a.
                    BoxLines(a, b, smallHeight, smallWidth, smallWidth * Channels, Channels, l);
                    BoxLines(b, a, smallWidth, smallHeight, Channels, smallWidth * Channels, l);
                }

                Enlarge(a, smallWidth, smallHeight, factor, dst, width, height);
            }

            return result;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(small);
            ArrayPool<float>.Shared.Return(scratch);
            ArrayPool<float>.Shared.Return(line);
        }
    }

    /// <summary>Averages each f×f block (smaller at the right and bottom edges) into one B, G, R float pixel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Shrink(byte* src, int width, int height, int f, float* small, int smallWidth, int smallHeight)
    {
        var rowSums = new int[smallWidth * Channels];
        fixed (int* acc = rowSums)
        {
            for (var sy = 0; sy < smallHeight; sy++)
            {
                new Span<int>(acc, smallWidth * Channels).Clear();
                var y0 = sy * f;
                var y1 = Math.Min(height, y0 + f);
                for (var y = y0; y < y1; y++)
                {
                    var p = src + ((long)y * width * 4);
                    for (var sx = 0; sx < smallWidth; sx++)
                    {
                        var n = Math.Min(f, width - (sx * f));
                        int b = 0, g = 0, r = 0;
                        for (var k = 0; k < n; k++, p += 4)
                        {
                            b += p[0];
                            g += p[1];
                            r += p[2];
                        }

                        var o = acc + (sx * Channels);
                        o[0] += b;
                        o[1] += g;
                        o[2] += r;
                    }
                }

                var rows = y1 - y0;
                var row = small + ((long)sy * smallWidth * Channels);
                for (var sx = 0; sx < smallWidth; sx++)
                {
                    var inverse = 1f / (Math.Min(f, width - (sx * f)) * rows);
                    var o = sx * Channels;
                    row[o] = acc[o] * inverse;
                    row[o + 1] = acc[o + 1] * inverse;
                    row[o + 2] = acc[o + 2] * inverse;
                }
            }
        }
    }

    /// <summary>
    /// A (2r+1)-tap running-sum box blur along <paramref name="lines"/> lines of <paramref name="length"/> pixels;
    /// <paramref name="lineStep"/> and <paramref name="pixelStep"/> are in floats, so the same code does rows and
    /// columns. Edges repeat the outermost pixel. Each line is copied to <paramref name="buffer"/> first so that
    /// the column pass reads contiguous memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void BoxLines(float* src, float* dst, int lines, int length, int lineStep, int pixelStep, float* buffer)
    {
        const float Scale = 1f / ((2 * SmallRadius) + 1);
        for (var i = 0; i < lines; i++)
        {
            var from = src + ((long)i * lineStep);
            var to = dst + ((long)i * lineStep);
            for (var x = 0; x < length; x++)
            {
                var p = from + ((long)x * pixelStep);
                buffer[(x * Channels) + 0] = p[0];
                buffer[(x * Channels) + 1] = p[1];
                buffer[(x * Channels) + 2] = p[2];
            }

            float sb = 0, sg = 0, sr = 0;
            for (var k = -SmallRadius; k <= SmallRadius; k++)
            {
                var q = buffer + (Math.Clamp(k, 0, length - 1) * Channels);
                sb += q[0];
                sg += q[1];
                sr += q[2];
            }

            for (var x = 0; x < length; x++)
            {
                var p = to + ((long)x * pixelStep);
                p[0] = sb * Scale;
                p[1] = sg * Scale;
                p[2] = sr * Scale;
                var enter = buffer + (Math.Min(x + SmallRadius + 1, length - 1) * Channels);
                var leave = buffer + (Math.Max(x - SmallRadius, 0) * Channels);
                sb += enter[0] - leave[0];
                sg += enter[1] - leave[1];
                sr += enter[2] - leave[2];
            }
        }
    }

    /// <summary>
    /// Bilinear enlargement back to full size, with X = 255. Small rows are widened to full-width B, G, R, X float
    /// rows once each (two are kept, the rows above and below the output row); each output row is then one
    /// vectorised blend of those two, rounded to bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Enlarge(float* small, int smallWidth, int smallHeight, int f, byte* dst, int width, int height)
    {
        var pool = ArrayPool<float>.Shared;
        var rowLength = width * 4;
        var above = pool.Rent(rowLength);
        var below = pool.Rent(rowLength);
        var weights = pool.Rent(width);
        var lefts = ArrayPool<int>.Shared.Rent(width);
        try
        {
            for (var x = 0; x < width; x++)
            {
                (lefts[x], weights[x]) = Tap(((x + 0.5f) / f) - 0.5f, smallWidth);
            }

            int aboveRow = -1, belowRow = -1;
            for (var y = 0; y < height; y++)
            {
                var (top, wy) = Tap(((y + 0.5f) / f) - 0.5f, smallHeight);
                var bottom = Math.Min(top + 1, smallHeight - 1);
                if (aboveRow != top)
                {
                    if (belowRow == top)
                    {
                        (above, below) = (below, above);
                        aboveRow = top;
                        belowRow = -1;
                    }
                    else
                    {
                        Widen(small + ((long)top * smallWidth * Channels), smallWidth, lefts, weights, above, width);
                        aboveRow = top;
                    }
                }

                if (belowRow != bottom)
                {
                    Widen(small + ((long)bottom * smallWidth * Channels), smallWidth, lefts, weights, below, width);
                    belowRow = bottom;
                }

                BlendRow(above, below, wy, dst + ((long)y * rowLength), rowLength);
            }
        }
        finally
        {
            pool.Return(above);
            pool.Return(below);
            pool.Return(weights);
            ArrayPool<int>.Shared.Return(lefts);
        }
    }

    /// <summary>One small row, linearly interpolated to <paramref name="width"/> B, G, R, X float pixels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Widen(float* row, int smallWidth, int[] lefts, float[] weights, float[] wide, int width)
    {
        fixed (int* left = lefts)
        fixed (float* weight = weights, o = wide)
        {
            var last = smallWidth - 1;
            for (var x = 0; x < width; x++)
            {
                var l = row + (left[x] * Channels);
                var r = left[x] < last ? l + Channels : l;
                var w = weight[x];
                var p = o + (x * 4);
                p[0] = l[0] + ((r[0] - l[0]) * w);
                p[1] = l[1] + ((r[1] - l[1]) * w);
                p[2] = l[2] + ((r[2] - l[2]) * w);
                p[3] = 255f;
            }
        }
    }

    /// <summary>dst = round(above + (below - above) × w) for a whole row, with SIMD where the machine has it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void BlendRow(float[] above, float[] below, float w, byte* dst, int length)
    {
        fixed (float* a = above, b = below)
        {
            var i = 0;
            var n = Vector<float>.Count;
            if (Vector.IsHardwareAccelerated)
            {
                var weight = new Vector<float>(w);
                var half = new Vector<float>(0.5f);
                for (; i + (4 * n) <= length; i += 4 * n)
                {
                    var i0 = Vector.ConvertToInt32(Lerp(a + i, b + i, weight, half));
                    var i1 = Vector.ConvertToInt32(Lerp(a + i + n, b + i + n, weight, half));
                    var i2 = Vector.ConvertToInt32(Lerp(a + i + (2 * n), b + i + (2 * n), weight, half));
                    var i3 = Vector.ConvertToInt32(Lerp(a + i + (3 * n), b + i + (3 * n), weight, half));
                    // Every value is within 0..255, so narrowing (which keeps the low bits) is exact.
                    var low = Vector.Narrow(Vector.AsVectorUInt32(i0), Vector.AsVectorUInt32(i1));
                    var high = Vector.Narrow(Vector.AsVectorUInt32(i2), Vector.AsVectorUInt32(i3));
                    Vector.Narrow(low, high).Store(dst + i);
                }
            }

            for (; i < length; i++)
            {
                dst[i] = (byte)(a[i] + ((b[i] - a[i]) * w) + 0.5f);
            }
        }
    }

    private static unsafe Vector<float> Lerp(float* a, float* b, Vector<float> weight, Vector<float> half)
    {
        var top = Vector.Load(a);
        return top + ((Vector.Load(b) - top) * weight) + half;
    }

    /// <summary>The small pixel at or before <paramref name="position"/> and the weight of the one after it.</summary>
    private static (int Index, float Weight) Tap(float position, int length)
    {
        if (position <= 0)
        {
            return (0, 0);
        }

        var index = (int)position;
        return index >= length - 1 ? (length - 1, 0) : (index, position - index);
    }
}
