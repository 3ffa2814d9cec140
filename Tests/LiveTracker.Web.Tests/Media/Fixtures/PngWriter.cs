using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace LiveTracker.Web.Tests.Media.Fixtures;

/// <summary>
/// A small PNG encoder for fixtures, written from the specification independently of the decoder: any colour
/// type and depth, row filters cycling through all five types, Adam7, IDAT split into several chunks. It also
/// says which RGBA the decoder should produce for every pixel.
/// </summary>
internal sealed class PngWriter
{
    private static readonly int[][] Adam7 =
    [
        [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
    ];

    public required int Width { get; init; }

    public required int Height { get; init; }

    /// <summary>0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA.</summary>
    public required byte ColorType { get; init; }

    public required byte BitDepth { get; init; }

    public bool Interlaced { get; init; }

    /// <summary>Filter of row n (of each pass) is n % 5 when null.</summary>
    public byte? Filter { get; init; }

    /// <summary>Palette entries (RGB) for colour type 3.</summary>
    public byte[]? Palette { get; init; }

    /// <summary>tRNS chunk body, written as given.</summary>
    public byte[]? Transparency { get; init; }

    public int IdatChunkSize { get; init; } = 1000;

    /// <summary>Sample c of pixel (x, y); defaults to a pattern that varies in every direction.</summary>
    public Func<int, int, int, int>? Sample { get; init; }

    public int Channels => ColorType switch { 2 => 3, 4 => 2, 6 => 4, _ => 1 };

    public int MaxSample => (1 << BitDepth) - 1;

    public int SampleAt(int x, int y, int c) =>
        Sample?.Invoke(x, y, c) ?? (int)((uint)(x * 73 + y * 151 + c * 37 + x * y * 7) % (uint)(MaxSample + 1));

    public byte[] Encode()
    {
        using var file = new MemoryStream();
        file.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, Width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), Height);
        ihdr[8] = BitDepth;
        ihdr[9] = ColorType;
        ihdr[12] = Interlaced ? (byte)1 : (byte)0;
        WriteChunk(file, "IHDR", ihdr);
        if (Palette != null)
        {
            WriteChunk(file, "PLTE", Palette);
        }

        if (Transparency != null)
        {
            WriteChunk(file, "tRNS", Transparency);
        }

        WriteChunk(file, "tEXt", Encoding.ASCII.GetBytes("Comment\0an ancillary chunk the decoder skips"));
        var compressed = Compress(FilteredImageData());
        for (var offset = 0; offset < compressed.Length; offset += IdatChunkSize)
        {
            WriteChunk(file, "IDAT", compressed.AsSpan(offset, Math.Min(IdatChunkSize, compressed.Length - offset)));
        }

        WriteChunk(file, "IEND", []);
        return file.ToArray();
    }

    /// <summary>The decoded RGBA of every pixel, row-major, as the PNG specification defines it.</summary>
    public byte[] ExpectedRgba()
    {
        var rgba = new byte[Width * Height * 4];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var at = (y * Width + x) * 4;
                var s = new int[Channels];
                for (var c = 0; c < Channels; c++)
                {
                    s[c] = SampleAt(x, y, c);
                }

                byte To8(int v) => BitDepth == 16 ? (byte)(v >> 8) : (byte)(v * 255 / MaxSample);
                switch (ColorType)
                {
                    case 0:
                        var keyed = Transparency != null && s[0] == BinaryPrimitives.ReadUInt16BigEndian(Transparency);
                        (rgba[at], rgba[at + 1], rgba[at + 2], rgba[at + 3]) = (To8(s[0]), To8(s[0]), To8(s[0]), keyed ? (byte)0 : (byte)255);
                        break;
                    case 2:
                        var clear = Transparency != null
                            && s[0] == BinaryPrimitives.ReadUInt16BigEndian(Transparency)
                            && s[1] == BinaryPrimitives.ReadUInt16BigEndian(Transparency.AsSpan(2))
                            && s[2] == BinaryPrimitives.ReadUInt16BigEndian(Transparency.AsSpan(4));
                        (rgba[at], rgba[at + 1], rgba[at + 2], rgba[at + 3]) = (To8(s[0]), To8(s[1]), To8(s[2]), clear ? (byte)0 : (byte)255);
                        break;
                    case 3:
                        var i = s[0];
                        var inPalette = i < Palette!.Length / 3;
                        rgba[at] = inPalette ? Palette[i * 3] : (byte)0;
                        rgba[at + 1] = inPalette ? Palette[i * 3 + 1] : (byte)0;
                        rgba[at + 2] = inPalette ? Palette[i * 3 + 2] : (byte)0;
                        rgba[at + 3] = inPalette && Transparency != null && i < Transparency.Length ? Transparency[i] : (byte)255;
                        break;
                    case 4:
                        (rgba[at], rgba[at + 1], rgba[at + 2], rgba[at + 3]) = (To8(s[0]), To8(s[0]), To8(s[0]), To8(s[1]));
                        break;
                    default:
                        (rgba[at], rgba[at + 1], rgba[at + 2], rgba[at + 3]) = (To8(s[0]), To8(s[1]), To8(s[2]), To8(s[3]));
                        break;
                }
            }
        }

        return rgba;
    }

    private byte[] FilteredImageData()
    {
        using var raw = new MemoryStream();
        var passes = Interlaced ? Adam7 : [[0, 0, 1, 1]];
        foreach (var pass in passes)
        {
            var (xs, ys, dx, dy) = (pass[0], pass[1], pass[2], pass[3]);
            var passWidth = Width > xs ? (Width - xs + dx - 1) / dx : 0;
            var passHeight = Height > ys ? (Height - ys + dy - 1) / dy : 0;
            if (passWidth == 0 || passHeight == 0)
            {
                continue;
            }

            byte[]? prior = null;
            for (var row = 0; row < passHeight; row++)
            {
                var line = PackRow(ys + row * dy, xs, dx, passWidth);
                var filter = Filter ?? (byte)(row % 5);
                raw.WriteByte(filter);
                raw.Write(ApplyFilter(filter, line, prior ?? new byte[line.Length]));
                prior = line;
            }
        }

        return raw.ToArray();
    }

    private byte[] PackRow(int y, int x0, int dx, int count)
    {
        var bits = new List<bool>();
        var bytes = new List<byte>();
        for (var i = 0; i < count; i++)
        {
            for (var c = 0; c < Channels; c++)
            {
                var v = SampleAt(x0 + i * dx, y, c);
                if (BitDepth == 16)
                {
                    bytes.Add((byte)(v >> 8));
                    bytes.Add((byte)v);
                }
                else if (BitDepth == 8)
                {
                    bytes.Add((byte)v);
                }
                else
                {
                    for (var b = BitDepth - 1; b >= 0; b--)
                    {
                        bits.Add(((v >> b) & 1) == 1);
                    }
                }
            }
        }

        if (BitDepth >= 8)
        {
            return [.. bytes];
        }

        var packed = new byte[(bits.Count + 7) / 8];
        for (var i = 0; i < bits.Count; i++)
        {
            if (bits[i])
            {
                packed[i / 8] |= (byte)(0x80 >> (i % 8));
            }
        }

        return packed;
    }

    private byte[] ApplyFilter(byte filter, byte[] line, byte[] prior)
    {
        var bpp = Math.Max(1, Channels * BitDepth / 8);
        var output = new byte[line.Length];
        for (var i = 0; i < line.Length; i++)
        {
            int a = i >= bpp ? line[i - bpp] : 0, b = prior[i], c = i >= bpp ? prior[i - bpp] : 0;
            var predictor = filter switch
            {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                _ => PaethPredictor(a, b, c),
            };
            output[i] = (byte)(line[i] - predictor);
        }

        return output;
    }

    // Written as in the specification's pseudo-code (section 9.4).
    private static int PaethPredictor(int a, int b, int c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc)
        {
            return a;
        }

        return pb <= pc ? b : c;
    }

    private static byte[] Compress(byte[] data)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return output.ToArray();
    }

    public static void WriteChunk(Stream file, string type, ReadOnlySpan<byte> body)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, body.Length);
        file.Write(word);
        var typeAndBody = new byte[4 + body.Length];
        Encoding.ASCII.GetBytes(type, typeAndBody);
        body.CopyTo(typeAndBody.AsSpan(4));
        file.Write(typeAndBody);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc(typeAndBody));
        file.Write(word);
    }

    /// <summary>Bit-by-bit CRC-32, deliberately not the decoder's table version.</summary>
    public static uint Crc(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

    /// <summary>Recomputes every chunk's CRC that the chunk structure lets us find, so a mutation reaches past the CRC check.</summary>
    public static void FixCrcs(byte[] png)
    {
        var position = 8;
        while (position + 12 <= png.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(position));
            if (length > (uint)(png.Length - position - 12))
            {
                return;
            }

            var crc = Crc(png.AsSpan(position + 4, 4 + (int)length));
            BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(position + 8 + (int)length), crc);
            position += 12 + (int)length;
        }
    }
}
