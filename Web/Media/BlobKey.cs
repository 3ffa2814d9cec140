using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace LiveTracker.Web.Media;

/// <summary>
/// The name of a stored blob: the lowercase hex SHA-256 of its bytes. Only 64 lowercase hex characters parse,
/// so a key taken from a URL can never name a path outside the store (no dots, slashes or uppercase twins).
/// </summary>
public readonly record struct BlobKey
{
    public const int Length = 64;

    private readonly string? _value;

    private BlobKey(string value) => _value = value;

    public string Value => _value ?? throw new InvalidOperationException("default(BlobKey) names no blob");

    /// <summary>The key of <paramref name="bytes"/>.</summary>
    public static BlobKey Of(ReadOnlySpan<byte> bytes)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
        return new BlobKey(Convert.ToHexStringLower(hash));
    }

    public static bool IsValid([NotNullWhen(true)] string? key)
    {
        if (key is not { Length: Length })
        {
            return false;
        }

        foreach (var c in key)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }

    public static bool TryParse([NotNullWhen(true)] string? key, out BlobKey parsed)
    {
        parsed = IsValid(key) ? new BlobKey(key) : default;
        return parsed._value != null;
    }

    public override string ToString() => _value ?? string.Empty;
}
