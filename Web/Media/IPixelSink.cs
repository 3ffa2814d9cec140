namespace LiveTracker.Web.Media;

/// <summary>
/// Receives decoded pixels row by row, so a decoder never has to hold a whole image for a consumer that only
/// needs a small version of it (the thumbnail canvas), and interlaced rows can arrive in any order.
/// </summary>
internal interface IPixelSink
{
    /// <summary>Called once, before any row, with the size of the pixel grid that follows.</summary>
    void Begin(int width, int height);

    /// <summary>RGBA pixels (not premultiplied) of row <paramref name="y"/> at x = x0, x0 + dx, x0 + 2·dx, …</summary>
    void RgbaRow(int y, int x0, int dx, ReadOnlySpan<byte> rgba);

    /// <summary>Opaque RGB pixels of row <paramref name="y"/> from x = 0.</summary>
    void RgbRow(int y, ReadOnlySpan<byte> rgb);
}
