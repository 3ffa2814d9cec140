namespace LiveTracker.Web.Media;

/// <summary>The image formats a screenshot upload may be; decided from the bytes, never from a declared type.</summary>
public enum ImageFormat
{
    /// <summary>Not an accepted image format.</summary>
    Unknown = 0,
    Jpeg,
    Png,
    WebP,
}

public static class ImageFormatExtensions
{
    /// <summary>The Content-Type to serve a stored blob of this format with.</summary>
    public static string ContentType(this ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => "image/jpeg",
        ImageFormat.Png => "image/png",
        ImageFormat.WebP => "image/webp",
        _ => "application/octet-stream",
    };
}
