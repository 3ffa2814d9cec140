namespace LiveTracker.Web.Media;

/// <summary>
/// The stable problem codes of screenshot uploads. Agents and the API's clients match on these strings, so they
/// never change; the detail text beside them may.
/// </summary>
public static class MediaProblems
{
    /// <summary>The body is not a decodable JPEG, PNG or WebP within the size limits.</summary>
    public const string InvalidImage = "invalid-image";

    /// <summary>The agent's own thumbnail is not a decodable image, or is larger than a thumbnail may be.</summary>
    public const string InvalidThumbnail = "invalid-thumbnail";

    /// <summary>The body is longer than <c>livetracker.domain.max-screenshot-bytes</c>.</summary>
    public const string ImageTooLarge = "image-too-large";

    /// <summary>The HTTP status an endpoint answers a problem code with.</summary>
    public static int StatusCode(string code) => code switch
    {
        ImageTooLarge => 413,
        InvalidImage or InvalidThumbnail => 422,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "not a media problem code"),
    };
}
