using SkiaSharp;

namespace Andon.Files.Infrastructure.Inspection;

/// <summary>What became of an image upload.</summary>
public sealed record ImageResult
{
    /// <summary>Why the image is refused; null when it was accepted.</summary>
    public string? Refusal { get; init; }

    /// <summary>The image was too large once decoded (413 rather than 415).</summary>
    public bool TooLarge { get; init; }

    /// <summary>The platform cannot decode this photo (HEIC): keep it as a document.</summary>
    public bool KeepAsDocument { get; init; }

    /// <summary>The bytes to store (re-encoded without metadata), or null to store the upload as it came.</summary>
    public byte[]? Stored { get; init; }

    public FileFormat Format { get; init; }

    public int Width { get; init; }

    public int Height { get; init; }

    public byte[] Thumbnail { get; init; } = [];
}

/// <summary>
/// Decodes an image for real (SkiaSharp) and makes what is served: the picture turned upright by its
/// EXIF orientation and re-encoded, so no metadata (location included) and nothing but the picture
/// survives; and a JPEG thumbnail at most <c>ThumbnailSize</c> on its long side. The size in pixels
/// is checked from the header before anything is decoded, so a decompression bomb costs nothing.
/// GIFs are kept as uploaded (animation), with a thumbnail of their first frame.
/// </summary>
public static class ImageProcessor
{
    public static ImageResult Process(Stream content, FileFormat format, FilesOptions options)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(options);
        content.Position = 0;
        using var codec = SKCodec.Create(new NonDisposingStream(content), out var status);
        if (codec is null)
        {
            return format == FileFormat.Heic
                ? new ImageResult { KeepAsDocument = true }
                : new ImageResult { Refusal = $"The image cannot be read ({status}); it may be damaged or not really an image." };
        }

        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0)
        {
            return new ImageResult { Refusal = "The image has no pixels." };
        }

        if ((long)info.Width * info.Height > options.MaxImagePixels)
        {
            return new ImageResult
            {
                TooLarge = true,
                Refusal = $"The image is {info.Width} × {info.Height} pixels; at most {options.MaxImagePixels:N0} pixels are accepted.",
            };
        }

        using var decoded = new SKBitmap(new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var result = codec.GetPixels(decoded.Info, decoded.GetPixels());
        if (result is not SKCodecResult.Success)
        {
            return new ImageResult { Refusal = $"The image cannot be decoded ({result}); it may be damaged or incomplete." };
        }

        using var upright = Upright(decoded, codec.EncodedOrigin);
        var stored = format switch
        {
            FileFormat.Gif => null,
            FileFormat.Png => Encode(upright, SKEncodedImageFormat.Png, 100),
            FileFormat.WebP => Encode(upright, SKEncodedImageFormat.Webp, 90),
            _ => Encode(Flatten(upright), SKEncodedImageFormat.Jpeg, 90),
        };
        return new ImageResult
        {
            Stored = stored,
            Format = format == FileFormat.Heic ? FileFormat.Jpeg : format,
            Width = upright.Width,
            Height = upright.Height,
            Thumbnail = Thumbnail(upright, options.ThumbnailSize),
        };
    }

    private static SKBitmap Upright(SKBitmap source, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft)
        {
            return source.Copy();
        }

        int w = source.Width, h = source.Height;
        var swaps = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var result = new SKBitmap(new SKImageInfo(swaps ? h : w, swaps ? w : h, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(result);
        switch (origin)
        {
            case SKEncodedOrigin.TopRight:
                canvas.Translate(w, 0);
                canvas.Scale(-1, 1);
                break;
            case SKEncodedOrigin.BottomRight:
                canvas.Translate(w, h);
                canvas.RotateDegrees(180);
                break;
            case SKEncodedOrigin.BottomLeft:
                canvas.Translate(0, h);
                canvas.Scale(1, -1);
                break;
            case SKEncodedOrigin.LeftTop:
                canvas.Scale(-1, 1);
                canvas.RotateDegrees(90);
                break;
            case SKEncodedOrigin.RightTop:
                canvas.Translate(h, 0);
                canvas.RotateDegrees(90);
                break;
            case SKEncodedOrigin.RightBottom:
                canvas.Translate(h, w);
                canvas.Scale(1, -1);
                canvas.RotateDegrees(90);
                break;
            case SKEncodedOrigin.LeftBottom:
                canvas.Translate(0, w);
                canvas.RotateDegrees(-90);
                break;
        }

        canvas.DrawBitmap(source, 0, 0, SKSamplingOptions.Default);
        return result;
    }

    private static byte[] Thumbnail(SKBitmap image, int size)
    {
        var scale = Math.Min(1f, (float)size / Math.Max(image.Width, image.Height));
        var width = Math.Max(1, (int)Math.Round(image.Width * scale));
        var height = Math.Max(1, (int)Math.Round(image.Height * scale));
        using var small = image.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKCubicResampler.Mitchell))
            ?? throw new InvalidOperationException("The thumbnail could not be made.");
        return Encode(Flatten(small), SKEncodedImageFormat.Jpeg, 80);
    }

    /// <summary>Draws the image on white: JPEG has no transparency.</summary>
    private static SKBitmap Flatten(SKBitmap image)
    {
        var opaque = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(opaque);
        canvas.Clear(SKColors.White);
        canvas.DrawBitmap(image, 0, 0, SKSamplingOptions.Default);
        return opaque;
    }

    private static byte[] Encode(SKBitmap image, SKEncodedImageFormat format, int quality)
    {
        using var data = image.Encode(format, quality) ?? throw new InvalidOperationException($"The image could not be encoded as {format}.");
        return data.ToArray();
    }

    /// <summary>Lets SkiaSharp read the spooled upload without closing it.</summary>
    private sealed class NonDisposingStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
