using System.Net.Mail;
using System.Security.Claims;
using LiveTracker.Actors.Accounts;
using LiveTracker.Actors.Contracts;
using LiveTracker.Web.Api;
using LiveTracker.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR;

namespace LiveTracker.Web.Endpoints;

public static class AccountEndpoints
{
    public const string LoginRateLimit = "login";

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var auth = endpoints.MapGroup("/api/auth").WithTags("Accounts");
        auth.MapPost("/register", RegisterAsync).RequireRateLimiting(LoginRateLimit);
        auth.MapPost("/login", LoginAsync).RequireRateLimiting(LoginRateLimit);
        auth.MapPost("/logout", LogoutAsync).RequireAuthorization(Policies.SignedIn);
        endpoints.MapGet("/api/me", (HttpContext context) =>
        {
            var user = context.User();
            return Results.Ok(new MeResponse(user.UserId, user.Email, user.DisplayName, Roles.ToApi(user.Role)));
        }).RequireAuthorization(Policies.SignedIn).WithTags("Accounts");
        return endpoints;
    }

    public sealed record RegisterRequest(string? Email, string? Password, string? DisplayName, string? Role);

    public sealed record RegisterResponse(string UserId);

    public sealed record LoginRequest(string? Email, string? Password);

    public sealed record LoginResponse(string Token, string UserId, string Role);

    public sealed record MeResponse(string UserId, string Email, string DisplayName, string Role);

    /// <summary>Makes an account; operators only from the command line (<see cref="CreateAccountAsync"/>).</summary>
    private static async Task<IResult> RegisterAsync(RegisterRequest request, DomainClient domain, IPasswordHasher<string> hasher, CancellationToken cancellationToken)
    {
        if (Roles.FromApi(request.Role) is not { } role || role == UserRole.Operator)
        {
            return ApiProblems.Invalid("invalid-role", "role is client or freelancer.");
        }

        var result = await CreateAccountAsync(domain, hasher, request.Email, request.Password, request.DisplayName, role, cancellationToken);
        return result is Accepted
            ? Results.Created("/api/me", new RegisterResponse(UserIds.ForEmail(request.Email!)))
            : ApiProblems.Unexpected(result);
    }

    /// <summary>Validates and registers an account (API and command line share the rules); returns the entity's reply.</summary>
    public static async Task<object> CreateAccountAsync(
        DomainClient domain, IPasswordHasher<string> hasher, string? email, string? password, string? displayName, UserRole role,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(hasher);
        if (email is null || email.Length > 254 || !MailAddress.TryCreate(email.Trim(), out var address) || address.Address != email.Trim())
        {
            return new Rejected("invalid-email", "email must be a plain e-mail address.");
        }

        if (password is null || password.Length < 10 || password.Length > 200)
        {
            return new Rejected("invalid-password", "password must be 10 to 200 characters long.");
        }

        if (string.IsNullOrWhiteSpace(displayName) || displayName.Length > 100)
        {
            return new Rejected("invalid-display-name", "displayName must be 1 to 100 characters long.");
        }

        var userId = UserIds.ForEmail(email);
        return await domain.UserAsync(userId, new RegisterUser(email, displayName, role, hasher.HashPassword(userId, password)), cancellationToken);
    }

    private static async Task<IResult> LoginAsync(
        LoginRequest request, HttpContext context, DomainClient domain, IPasswordHasher<string> hasher, TimeProvider time, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || string.IsNullOrEmpty(request.Password) || request.Password.Length > 200)
        {
            return InvalidCredentials();
        }

        var userId = UserIds.ForEmail(request.Email);
        if (await domain.UserAsync(userId, new GetUser(), cancellationToken) is not UserView user)
        {
            // Hash anyway, so an unknown address takes as long as a wrong password.
            hasher.HashPassword(userId, request.Password);
            return InvalidCredentials();
        }

        var verdict = hasher.VerifyHashedPassword(userId, user.PasswordHash, request.Password);
        if (verdict == PasswordVerificationResult.Failed)
        {
            return InvalidCredentials();
        }

        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await domain.UserAsync(userId, new ChangePasswordHash(hasher.HashPassword(userId, request.Password)), cancellationToken);
        }

        var token = LiveTrackerAuthentication.NewToken();
        var tokenId = UserIds.TokenId(token);
        var expires = time.GetUtcNow() + LiveTrackerAuthentication.TokenLifetime;
        var issued = await domain.TokenAsync(
            tokenId, new IssueToken(user.UserId, user.Email, user.DisplayName, user.Role, "login", expires), cancellationToken);
        if (issued is not Accepted)
        {
            return ApiProblems.Unexpected(issued);
        }

        var view = new TokenView(user.UserId, user.Email, user.DisplayName, user.Role, "login", expires, Revoked: false);
        await context.SignInAsync(
            CookieAuthenticationDefaults.AuthenticationScheme,
            LiveTrackerAuthentication.Principal(view, tokenId, CookieAuthenticationDefaults.AuthenticationScheme),
            new AuthenticationProperties { IsPersistent = true, ExpiresUtc = expires });
        return Results.Ok(new LoginResponse(token, user.UserId, Roles.ToApi(user.Role)));
    }

    private static async Task<IResult> LogoutAsync(
        HttpContext context, DomainClient domain, Live.WatchedContracts watched, Microsoft.AspNetCore.SignalR.IHubContext<Live.WorkViewHub> hub,
        CancellationToken cancellationToken)
    {
        var tokenId = context.User.FindFirstValue(LiveTrackerAuthentication.TokenIdClaim);
        if (tokenId is not null)
        {
            await domain.TokenAsync(tokenId, new RevokeToken(), cancellationToken);

            // Live pages open under this sign-in stop receiving at once (on this node).
            foreach (var (connectionId, contracts) in watched.SignedWith(tokenId))
            {
                foreach (var contractId in contracts)
                {
                    watched.Remove(connectionId, contractId);
                    await hub.Groups.RemoveFromGroupAsync(connectionId, Live.WorkViewHub.Group(contractId), cancellationToken);
                }

                await hub.Clients.Client(connectionId).SendAsync("signedOut", new { reason = "signed out" }, cancellationToken);
            }
        }

        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Results.NoContent();
    }

    private static IResult InvalidCredentials() =>
        ApiProblems.Problem(StatusCodes.Status401Unauthorized, "invalid-credentials", "The e-mail address or the password is wrong.");
}

/// <summary>Roles as the API spells them.</summary>
public static class Roles
{
    public static string ToApi(UserRole role) => role.ToString().ToLowerInvariant();

    public static UserRole? FromApi(string? role) => role?.ToLowerInvariant() switch
    {
        "client" => UserRole.Client,
        "freelancer" => UserRole.Freelancer,
        "operator" => UserRole.Operator,
        _ => null,
    };
}
