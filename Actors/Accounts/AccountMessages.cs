using System.Security.Cryptography;
using System.Text;
using LiveTracker.Actors.Serialization;

namespace LiveTracker.Actors.Accounts;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<UserRole>))]
public enum UserRole
{
    Client,
    Freelancer,

    /// <summary>Runs the installation: resolves disputes, reads support reports. Made from the command line only.</summary>
    Operator,
}

/// <summary>How accounts are addressed: a user's id follows from the e-mail address, so login needs no index.</summary>
public static class UserIds
{
    /// <summary>Trimmed and lower-cased (the form addresses are compared in).</summary>
    public static string NormalizeEmail(string email)
    {
        ArgumentNullException.ThrowIfNull(email);
        return email.Trim().ToLowerInvariant();
    }

    /// <summary>An opaque, stable id for the address (<c>usr_</c> + 24 hex digits of its SHA-256).</summary>
    public static string ForEmail(string email) =>
        "usr_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(NormalizeEmail(email))))[..24];

    /// <summary>The token entity's id: a token is only ever stored as its SHA-256.</summary>
    public static string TokenId(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}

// ---------------------------------------------------------------- user accounts (entity id = user id)

/// <summary>Registers the account; the password arrives already hashed (PBKDF2, by the web node).</summary>
public sealed record RegisterUser(string Email, string DisplayName, UserRole Role, string PasswordHash);

public sealed record GetUser;

/// <summary>A user as the node sees it (the hash is for verifying a login, never for an API body).</summary>
public sealed record UserView(string UserId, string Email, string DisplayName, UserRole Role, string PasswordHash, IReadOnlyList<string> Contracts);

/// <summary>The user became a party of a contract (sent by the contract; idempotent).</summary>
public sealed record JoinContract(string ContractId);

public sealed record ContractJoined(string UserId, string ContractId);

/// <summary>Replaces the stored hash (a rehash with stronger parameters after a successful login).</summary>
public sealed record ChangePasswordHash(string PasswordHash);

[Manifest("user.registered.v1")]
public sealed record UserRegistered(string UserId, string Email, string DisplayName, UserRole Role, string PasswordHash, DateTimeOffset At);

[Manifest("user.contract-joined.v1")]
public sealed record UserJoinedContract(string ContractId);

[Manifest("user.password-hash-changed.v1")]
public sealed record PasswordHashChanged(string PasswordHash);

/// <summary>A user account's state (null before registration: contracts can be joined first).</summary>
[Manifest("user.snapshot.v1")]
public sealed record UserAccountSnapshot(UserRegistered? User, IReadOnlyList<string> Contracts);

// ---------------------------------------------------------------- access tokens (entity id = SHA-256 of the token)

public sealed record IssueToken(string UserId, string Email, string DisplayName, UserRole Role, string Purpose, DateTimeOffset ExpiresAt);

public sealed record GetToken;

public sealed record RevokeToken;

/// <summary>What a bearer token stands for; <see cref="Active"/> is false once revoked or expired.</summary>
public sealed record TokenView(string UserId, string Email, string DisplayName, UserRole Role, string Purpose, DateTimeOffset ExpiresAt, bool Revoked)
{
    public bool ActiveAt(DateTimeOffset now) => !Revoked && now < ExpiresAt;
}

[Manifest("token.issued.v1")]
public sealed record TokenIssued(string UserId, string Email, string DisplayName, UserRole Role, string Purpose, DateTimeOffset ExpiresAt, DateTimeOffset At);

[Manifest("token.revoked.v1")]
public sealed record TokenRevoked(DateTimeOffset At);
