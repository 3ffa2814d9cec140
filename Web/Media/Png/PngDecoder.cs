using System.Buffers.Binary;
using System.IO.Compression;

namespace LiveTracker.Web.Media.Png;

/// <summary>
/// A strict PNG decoder (ISO/IEC 15948): signature, chunk CRCs, IHDR, PLTE, tRNS, consecutive IDATs inflated with
/// zlib, all five scanline filters, every valid colour type and bit depth (1–16), Adam7 interlacing, and IEND.
/// Rows are unfiltered one at a time with only the previous row kept, so checking a 50-megapixel PNG needs two
/// rows of memory, not the image; a sink, when given, receives each row as RGBA.
/// </summary>
internal static class PngDecoder
{
    private const byte ColorGray = 0;
    private const byte ColorRgb = 2;
    private const byte ColorPalette = 3;
    private const byte ColorGrayAlpha = 4;
    private const byte ColorRgba = 6;

    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    // Adam7: x start, y start, x step, y step of each of the seven passes.
    private static ReadOnlySpan<byte> Adam7 => [0, 0, 8, 8, 4, 0, 8, 8, 0, 4, 4, 8, 2, 0, 4, 4, 0, 2, 2, 4, 1, 0, 2, 2, 0, 1, 1, 2];

    internal static bool HasSignature(ReadOnlySpan<byte> data) => data.StartsWith(Signature);

    public static ImageCheck Decode(ReadOnlyMemory<byte> data, ImageLimits limits, IPixelSink? sink)
    {
        var span = data.Span;
        if (!HasSignature(span))
        {
            return Corrupt("the PNG signature is missing");
        }

        Header? header = null;
        byte[]? palette = null;
        byte[]? paletteAlpha = null;
        ushort[]? transparentKey = null;
        var idat = new List<ReadOnlyMemory<byte>>();
        var idatEnded = false;
        var position = Signature.Length;
        while (true)
        {
            if (span.Length - position < 12)
            {
                return Truncated(header == null ? "it ends before the IHDR chunk" : "it ends before the IEND chunk");
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(span[position..]);
            if (length > int.MaxValue)
            {
                return Corrupt($"a chunk declares {length} bytes");
            }

            if (span.Length - position - 12 < length)
            {
                return Truncated("a chunk runs past the end of the data");
            }

            var type = span.Slice(position + 4, 4);
            var body = span.Slice(position + 8, (int)length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(span[(position + 8 + (int)length)..]);
            if (!IsChunkType(type))
            {
                return Corrupt("a chunk type is not four letters");
            }

            var name = System.Text.Encoding.ASCII.GetString(type);
            if (Crc32.Compute(span.Slice(position + 4, 4 + (int)length)) != crc)
            {
                return Corrupt($"the {name} chunk has a bad CRC");
            }

            var bodyMemory = data.Slice(position + 8, (int)length);
            position += 12 + (int)length;

            if (header == null && name != "IHDR")
            {
                return Corrupt("the first chunk is not IHDR");
            }

            if (idat.Count > 0 && name != "IDAT")
            {
                idatEnded = true;
            }

            switch (name)
            {
                case "IHDR":
                    if (header != null)
                    {
                        return Corrupt("it has a second IHDR chunk");
                    }

                    var parsed = Header.Parse(body, out var headerError);
                    if (parsed == null)
                    {
                        return Corrupt(headerError!);
                    }

                    // Before a byte of image data is touched: a bomb is refused on its header alone.
                    if (limits.Violation(parsed.Width, parsed.Height) is { } violation)
                    {
                        return ImageCheck.Refused(violation, ImageFormat.Png);
                    }

                    header = parsed;
                    break;

                case "PLTE":
                    if (idat.Count > 0 || palette != null)
                    {
                        return Corrupt("PLTE is repeated or comes after the image data");
                    }

                    if (header!.ColorType is ColorGray or ColorGrayAlpha)
                    {
                        break; // not allowed there, but carries no meaning; libpng ignores it too
                    }

                    if (length == 0 || length % 3 != 0 || length / 3 > 256
                        || (header.ColorType == ColorPalette && length / 3 > 1 << header.BitDepth))
                    {
                        return Corrupt($"PLTE has {length} bytes");
                    }

                    palette = body.ToArray();
                    break;

                case "tRNS":
                    if (idat.Count > 0)
                    {
                        return Corrupt("tRNS comes after the image data");
                    }

                    switch (header!.ColorType)
                    {
                        case ColorPalette when palette != null && length <= palette.Length / 3:
                            paletteAlpha = body.ToArray();
                            break;
                        case ColorPalette:
                            return Corrupt("tRNS comes before PLTE or has more entries than the palette");
                        case ColorGray when length == 2:
                            transparentKey = [BinaryPrimitives.ReadUInt16BigEndian(body)];
                            break;
                        case ColorRgb when length == 6:
                            transparentKey =
                            [
                                BinaryPrimitives.ReadUInt16BigEndian(body),
                                BinaryPrimitives.ReadUInt16BigEndian(body[2..]),
                                BinaryPrimitives.ReadUInt16BigEndian(body[4..]),
                            ];
                            break;
                    }

                    break;

                case "IDAT":
                    if (idatEnded)
                    {
                        return Corrupt("its IDAT chunks are not consecutive");
                    }

                    idat.Add(bodyMemory);
                    break;

                case "IEND":
                    if (idat.Count == 0)
                    {
                        return Corrupt("it has no IDAT chunk");
                    }

                    if (header!.ColorType == ColorPalette && palette == null)
                    {
                        return Corrupt("a palette image has no PLTE chunk");
                    }

                    return Inflate(idat, header, palette, paletteAlpha, transparentKey, sink);

                default:
                    // Bit 5 of the first letter clear = critical: a decoder that does not know it must not guess.
                    if ((type[0] & 0x20) == 0)
                    {
                        return Corrupt($"it has an unknown critical chunk {name}");
                    }

                    break;
            }
        }
    }

    private static ImageCheck Inflate(List<ReadOnlyMemory<byte>> idat, Header header, byte[]? palette, byte[]? paletteAlpha,
        ushort[]? transparentKey, IPixelSink? sink)
    {
        var bitsPerPixel = header.Channels * header.BitDepth;
        var filterUnit = Math.Max(1, bitsPerPixel / 8);
        var maxRowBytes = (int)(((long)header.Width * bitsPerPixel + 7) / 8);

        // Index 0 holds the filter type byte; the previous row's slot 0 stays unused.
        var current = new byte[maxRowBytes + 1];
        var previous = new byte[maxRowBytes + 1];
        var rgba = sink == null ? null : new byte[header.Width * 4];
        var expander = new RowExpander(header, palette, paletteAlpha, transparentKey);
        sink?.Begin(header.Width, header.Height);

        var passes = header.Interlaced ? Adam7 : [0, 0, 1, 1];
        try
        {
            using var compressed = new ConcatenatedStream(idat);
            using var zlib = new ZLibStream(compressed, CompressionMode.Decompress);
            for (var p = 0; p < passes.Length; p += 4)
            {
                int xStart = passes[p], yStart = passes[p + 1], xStep = passes[p + 2], yStep = passes[p + 3];
                var passWidth = header.Width > xStart ? (header.Width - xStart + xStep - 1) / xStep : 0;
                var passHeight = header.Height > yStart ? (header.Height - yStart + yStep - 1) / yStep : 0;
                if (passWidth == 0 || passHeight == 0)
                {
                    continue; // an empty pass has no filter bytes at all
                }

                var rowBytes = (int)(((long)passWidth * bitsPerPixel + 7) / 8);
                Array.Clear(previous, 0, rowBytes + 1);
                for (var row = 0; row < passHeight; row++)
                {
                    var line = current.AsSpan(0, rowBytes + 1);
                    if (zlib.ReadAtLeast(line, line.Length, throwOnEndOfStream: false) < line.Length)
                    {
                        return Truncated("its image data ends early");
                    }

                    if (!Unfilter(line[0], line[1..], previous.AsSpan(1, rowBytes), filterUnit))
                    {
                        return Corrupt($"a row has filter type {line[0]}");
                    }

                    if (sink != null)
                    {
                        expander.Expand(line[1..], passWidth, rgba!);
                        sink.RgbaRow(yStart + row * yStep, xStart, xStep, rgba.AsSpan(0, passWidth * 4));
                    }

                    (current, previous) = (previous, current);
                }
            }

            // Reading on to the end makes zlib check its Adler-32; one byte more than the header declares is a
            // lie about the size (and would let a small file inflate without bound), so it is refused at once.
            Span<byte> probe = stackalloc byte[1];
            if (zlib.Read(probe) != 0)
            {
                return Corrupt("it has more image data than its header declares");
            }
        }
        catch (InvalidDataException ex)
        {
            return Corrupt($"its image data does not inflate ({ex.Message})");
        }

        return ImageCheck.Accepted(ImageFormat.Png, header.Width, header.Height);
    }

    /// <summary>Reverses one scanline's filter in place; false for an unknown filter type.</summary>
    private static bool Unfilter(byte filter, Span<byte> line, ReadOnlySpan<byte> above, int unit)
    {
        switch (filter)
        {
            case 0:
                return true;
            case 1:
                for (var i = unit; i < line.Length; i++)
                {
                    line[i] += line[i - unit];
                }

                return true;
            case 2:
                for (var i = 0; i < line.Length; i++)
                {
                    line[i] += above[i];
                }

                return true;
            case 3:
                for (var i = 0; i < line.Length; i++)
                {
                    var left = i >= unit ? line[i - unit] : 0;
                    line[i] += (byte)((left + above[i]) >> 1);
                }

                return true;
            case 4:
                for (var i = 0; i < line.Length; i++)
                {
                    int a = i >= unit ? line[i - unit] : 0, b = above[i], c = i >= unit ? above[i - unit] : 0;
                    line[i] += Paeth(a, b, c);
                }

                return true;
            default:
                return false;
        }
    }

    private static byte Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
    }

    private static bool IsChunkType(ReadOnlySpan<byte> type)
    {
        foreach (var c in type)
        {
            if (!char.IsAsciiLetter((char)c))
            {
                return false;
            }
        }

        return true;
    }

    private static ImageCheck Corrupt(string why) => ImageCheck.Refused($"PNG is corrupt: {why}", ImageFormat.Png);

    private static ImageCheck Truncated(string why) => ImageCheck.Refused($"PNG is truncated or corrupt: {why}", ImageFormat.Png);

    private sealed record Header(int Width, int Height, byte BitDepth, byte ColorType, bool Interlaced)
    {
        public int Channels => ColorType switch
        {
            ColorRgb => 3,
            ColorGrayAlpha => 2,
            ColorRgba => 4,
            _ => 1,
        };

        public static Header? Parse(ReadOnlySpan<byte> body, out string? error)
        {
            error = null;
            if (body.Length != 13)
            {
                error = $"IHDR has {body.Length} bytes, not 13";
                return null;
            }

            var width = BinaryPrimitives.ReadUInt32BigEndian(body);
            var height = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
            byte depth = body[8], color = body[9];
            var allowed = color switch
            {
                ColorGray => depth is 1 or 2 or 4 or 8 or 16,
                ColorPalette => depth is 1 or 2 or 4 or 8,
                ColorRgb or ColorGrayAlpha or ColorRgba => depth is 8 or 16,
                _ => false,
            };
            if (width > int.MaxValue || height > int.MaxValue)
            {
                error = "IHDR dimensions exceed 2^31-1";
            }
            else if (!allowed)
            {
                error = $"IHDR has colour type {color} with bit depth {depth}";
            }
            else if (body[10] != 0 || body[11] != 0 || body[12] > 1)
            {
                error = "IHDR has an unknown compression, filter or interlace method";
            }

            return error == null ? new Header((int)width, (int)height, depth, color, body[12] == 1) : null;
        }
    }

    /// <summary>Turns one unfiltered scanline of any colour type and depth into 8-bit RGBA.</summary>
    private sealed class RowExpander(Header header, byte[]? palette, byte[]? paletteAlpha, ushort[]? transparentKey)
    {
        public void Expand(ReadOnlySpan<byte> line, int count, Span<byte> rgba)
        {
            var depth = header.BitDepth;
            switch (header.ColorType)
            {
                case ColorGray:
                    var max = (1 << depth) - 1;
                    for (var i = 0; i < count; i++)
                    {
                        var raw = Sample(line, i, depth);
                        var gray = (byte)(depth == 16 ? raw >> 8 : raw * 255 / max);
                        Put(rgba, i, gray, gray, gray, transparentKey != null && raw == transparentKey[0] ? (byte)0 : (byte)255);
                    }

                    break;

                case ColorRgb:
                    for (var i = 0; i < count; i++)
                    {
                        int r, g, b;
                        if (depth == 16)
                        {
                            r = BinaryPrimitives.ReadUInt16BigEndian(line[(i * 6)..]);
                            g = BinaryPrimitives.ReadUInt16BigEndian(line[(i * 6 + 2)..]);
                            b = BinaryPrimitives.ReadUInt16BigEndian(line[(i * 6 + 4)..]);
                        }
                        else
                        {
                            (r, g, b) = (line[i * 3], line[i * 3 + 1], line[i * 3 + 2]);
                        }

                        var clear = transparentKey != null && r == transparentKey[0] && g == transparentKey[1] && b == transparentKey[2];
                        var shift = depth == 16 ? 8 : 0;
                        Put(rgba, i, (byte)(r >> shift), (byte)(g >> shift), (byte)(b >> shift), clear ? (byte)0 : (byte)255);
                    }

                    break;

                case ColorPalette:
                    var entries = palette!.Length / 3;
                    for (var i = 0; i < count; i++)
                    {
                        var index = Sample(line, i, depth);
                        if (index < entries)
                        {
                            var alpha = paletteAlpha != null && index < paletteAlpha.Length ? paletteAlpha[index] : (byte)255;
                            Put(rgba, i, palette[index * 3], palette[index * 3 + 1], palette[index * 3 + 2], alpha);
                        }
                        else
                        {
                            // An index past the palette is an encoder bug, not an attack; libpng shows it black.
                            Put(rgba, i, 0, 0, 0, 255);
                        }
                    }

                    break;

                case ColorGrayAlpha:
                    var grayAlphaStep = depth == 16 ? 4 : 2;
                    for (var i = 0; i < count; i++)
                    {
                        var gray = line[i * grayAlphaStep];
                        Put(rgba, i, gray, gray, gray, line[i * grayAlphaStep + grayAlphaStep / 2]);
                    }

                    break;

                default:
                    var rgbaStep = depth == 16 ? 8 : 4;
                    var half = rgbaStep / 4;
                    for (var i = 0; i < count; i++)
                    {
                        var at = i * rgbaStep;
                        Put(rgba, i, line[at], line[at + half], line[at + 2 * half], line[at + 3 * half]);
                    }

                    break;
            }
        }

        /// <summary>Sample <paramref name="index"/> of a gray or palette row (1, 2, 4, 8 or 16 bits, most significant first).</summary>
        private static int Sample(ReadOnlySpan<byte> line, int index, int depth)
        {
            switch (depth)
            {
                case 8:
                    return line[index];
                case 16:
                    return BinaryPrimitives.ReadUInt16BigEndian(line[(index * 2)..]);
                default:
                    var bit = index * depth;
                    return (line[bit >> 3] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
            }
        }

        private static void Put(Span<byte> rgba, int index, byte r, byte g, byte b, byte a)
        {
            rgba[index * 4] = r;
            rgba[index * 4 + 1] = g;
            rgba[index * 4 + 2] = b;
            rgba[index * 4 + 3] = a;
        }
    }
}
