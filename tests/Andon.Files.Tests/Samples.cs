using System.IO.Compression;
using System.Text;
using SkiaSharp;

namespace Andon.Files.Tests;

/// <summary>Files of every kind the tests upload, made here byte by byte or with SkiaSharp.</summary>
internal static class Samples
{
    /// <summary>A 43-byte 1 × 1 GIF.</summary>
    public static readonly byte[] Gif = Convert.FromHexString("47494638396101000100800000FFFFFF00000021F90401000000002C00000000010001000002024401003B");

    public static byte[] Image(int width, int height, SKEncodedImageFormat format, SKColor? color = null)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(color ?? new SKColor(200, 40, 40));
            using var paint = new SKPaint { Color = SKColors.Blue };
            canvas.DrawRect(0, 0, width / 2f, height / 2f, paint); // the top-left quarter is blue: orientation shows
        }

        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    public static byte[] Png(int width = 640, int height = 480) => Image(width, height, SKEncodedImageFormat.Png);

    public static byte[] Jpeg(int width = 640, int height = 480) => Image(width, height, SKEncodedImageFormat.Jpeg);

    /// <summary>
    /// A JPEG whose EXIF says "rotate 90° clockwise to view" (orientation 6) and carries a GPS position:
    /// an APP1 segment written by hand after the start-of-image marker.
    /// </summary>
    public static byte[] JpegWithExif(int width, int height)
    {
        var jpeg = Jpeg(width, height);
        var tiff = new List<byte>();
        tiff.AddRange("II*\0"u8.ToArray());
        tiff.AddRange(BitConverter.GetBytes(8u));            // IFD0 at 8
        tiff.AddRange(BitConverter.GetBytes((ushort)2));      // two entries
        tiff.AddRange(Entry(0x0112, 3, 1, 6));                // Orientation = 6
        tiff.AddRange(Entry(0x8825, 4, 1, 38));               // GPS IFD at 38
        tiff.AddRange(BitConverter.GetBytes(0u));             // no next IFD
        tiff.AddRange(BitConverter.GetBytes((ushort)1));      // GPS IFD: one entry
        tiff.AddRange(Entry(0x0001, 2, 2, 'N'));              // GPSLatitudeRef = "N"
        tiff.AddRange(BitConverter.GetBytes(0u));
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        var length = payload.Length + 2;
        var app1 = new byte[] { 0xFF, 0xE1, (byte)(length >> 8), (byte)length }.Concat(payload);
        return jpeg.Take(2).Concat(app1).Concat(jpeg.Skip(2)).ToArray();

        static byte[] Entry(ushort tag, ushort type, uint count, uint value) =>
            BitConverter.GetBytes(tag).Concat(BitConverter.GetBytes(type)).Concat(BitConverter.GetBytes(count)).Concat(BitConverter.GetBytes(value)).ToArray();
    }

    /// <summary>A PNG header claiming 30,000 × 30,000 pixels over a few bytes of data: a decompression bomb.</summary>
    public static byte[] PngBomb()
    {
        var png = new List<byte> { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };
        var ihdr = new byte[13];
        WriteBigEndian(ihdr, 0, 30_000);
        WriteBigEndian(ihdr, 4, 30_000);
        ihdr[8] = 8;  // bit depth
        ihdr[9] = 2;  // RGB
        png.AddRange(Chunk("IHDR", ihdr));
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var row = new byte[(30_000 * 3) + 1];
            for (var i = 0; i < 200; i++)
            {
                zlib.Write(row);
            }
        }

        png.AddRange(Chunk("IDAT", compressed.ToArray()));
        png.AddRange(Chunk("IEND", []));
        return png.ToArray();

        static byte[] Chunk(string type, byte[] data)
        {
            var chunk = new byte[12 + data.Length];
            WriteBigEndian(chunk, 0, data.Length);
            Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
            data.CopyTo(chunk, 8);
            WriteBigEndian(chunk, 8 + data.Length, (int)Crc32(chunk.AsSpan(4, 4 + data.Length)));
            return chunk;
        }
    }

    public static byte[] Pdf() => Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

    /// <summary>An Office (OOXML) package with the parts that say which document it is.</summary>
    public static byte[] Office(string mainPart, bool macros = false)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, "[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>");
            Add(zip, mainPart, "<?xml version=\"1.0\"?><document/>");
            if (macros)
            {
                Add(zip, Path.GetDirectoryName(mainPart) + "/vbaProject.bin", "macro");
            }
        }

        return memory.ToArray();

        static void Add(ZipArchive zip, string name, string content)
        {
            using var writer = new StreamWriter(zip.CreateEntry(name).Open());
            writer.Write(content);
        }
    }

    public static byte[] PlainZip()
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var writer = new StreamWriter(zip.CreateEntry("notes.txt").Open());
            writer.Write("hello");
        }

        return memory.ToArray();
    }

    public static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    public static byte[] Executable() => [.. "MZ"u8.ToArray(), .. new byte[510]];

    /// <summary>A HEIF header (ftyp box, brand heic) with no decodable picture behind it.</summary>
    public static byte[] Heic() => [0, 0, 0, 0x18, .. "ftypheic"u8.ToArray(), 0, 0, 0, 0, .. "mif1heic"u8.ToArray(), .. new byte[64]];

    /// <summary><paramref name="size"/> bytes that start like a PNG: over the image limit before any decoding.</summary>
    public static byte[] Oversized(byte[] head, long size)
    {
        var bytes = new byte[size];
        head.CopyTo(bytes, 0);
        return bytes;
    }

    /// <summary>A text file of <paramref name="size"/> bytes.</summary>
    public static byte[] LongText(long size)
    {
        var bytes = new byte[size];
        Array.Fill(bytes, (byte)'a');
        return bytes;
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }

    private static void WriteBigEndian(byte[] target, int offset, int value)
    {
        target[offset] = (byte)(value >> 24);
        target[offset + 1] = (byte)(value >> 16);
        target[offset + 2] = (byte)(value >> 8);
        target[offset + 3] = (byte)value;
    }
}
