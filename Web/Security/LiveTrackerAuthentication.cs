using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using LiveTracker.Actors.Accounts;
using LiveTracker.Actors.Configuration;
using LiveTracker.Web.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace LiveTracker.Web.Security;

/// <summary>
/// Sign-in for pages (a cookie) and for agents and tools (a bearer token), both backed by one revocable
/// <see cref="AccessToken"/> entity: the cookie carries the token's id and is checked against it on every
/// request, so signing out ends both. Unauthenticated API calls get 401 problem+json, never a redirect.
/// </summary>
public static class LiveTrackerAuthentication
{
    public const string Scheme = "livetracker";
    public const string BearerScheme = "livetracker-bearer";
    public const string CookieName = "livetracker";

    public const string UserIdClaim = "sub";
    public const string TokenIdClaim = "tid";

    public static readonly TimeSpan TokenLifetime = TimeSpan.FromDays(30);

    public static IServiceCollection AddLiveTrackerAuthentication(this IServiceCollection services, LiveTrackerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // Keys under the data directory: cookies stay valid across restarts of the node.
        services.AddDataProtection()
            .SetApplicationName("livetracker")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(settings.DataDirectory, "keys")));
        services.AddSingleton<IPasswordHasher<string>, PasswordHasher<string>>();
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "cookie or bearer", options => options.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                || (context.Request.Path.StartsWithSegments("/hubs") && context.Request.Query.ContainsKey("access_token"))
                    ? BearerScheme
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerScheme, null)
            .AddCookie(options =>
            {
                options.Cookie.Name = CookieName;
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TokenLifetime;
                options.Events.OnRedirectToLogin = context => WriteProblem(context.HttpContext, StatusCodes.Status401Unauthorized, "unauthenticated", "Sign in first.");
                options.Events.OnRedirectToAccessDenied = context => WriteProblem(context.HttpContext, StatusCodes.Status403Forbidden, "forbidden", "Your role may not do this.");
                options.Events.OnValidatePrincipal = ValidateCookieAsync;
            });
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.SignedIn, policy => policy.RequireAuthenticatedUser())
            .AddPolicy(Policies.Client, policy => policy.RequireRole(nameof(UserRole.Client)))
            .AddPolicy(Policies.Freelancer, policy => policy.RequireRole(nameof(UserRole.Freelancer)))
            .AddPolicy(Policies.Operator, policy => policy.RequireRole(nameof(UserRole.Operator)));
        return services;
    }

    /// <summary><c>lt_</c> and 43 base64url characters (256 bits), as <see cref="NewToken"/> makes them.</summary>
    public static bool LooksLikeToken(string token) =>
        token is { Length: 46 } && token.StartsWith("lt_", StringComparison.Ordinal)
        && token.AsSpan(3).IndexOfAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") < 0;

    /// <summary>A fresh bearer token: 256 random bits, shown once; only its SHA-256 is stored.</summary>
    public static string NewToken() => "lt_" + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static ClaimsPrincipal Principal(TokenView token, string tokenId, string scheme)
    {
        ArgumentNullException.ThrowIfNull(token);
        var identity = new ClaimsIdentity(
            [
                new Claim(UserIdClaim, token.UserId),
                new Claim(ClaimTypes.Email, token.Email),
                new Claim(ClaimTypes.Name, token.DisplayName),
                new Claim(ClaimTypes.Role, token.Role.ToString()),
                new Claim(TokenIdClaim, tokenId),
            ],
            scheme,
            ClaimTypes.Name,
            ClaimTypes.Role);
        return new ClaimsPrincipal(identity);
    }

    /// <summary>The signed-in user of the request; endpoints behind a sign-in policy always have one.</summary>
    public static CurrentUser User(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var principal = context.User;
        return new CurrentUser(
            principal.FindFirstValue(UserIdClaim) ?? throw new InvalidOperationException("No signed-in user."),
            principal.FindFirstValue(ClaimTypes.Email) ?? string.Empty,
            principal.FindFirstValue(ClaimTypes.Name) ?? string.Empty,
            Enum.Parse<UserRole>(principal.FindFirstValue(ClaimTypes.Role) ?? nameof(UserRole.Client)),
            principal.FindFirstValue(TokenIdClaim) ?? string.Empty);
    }

    public static async Task<TokenView?> ActiveTokenAsync(HttpContext context, string tokenId)
    {
        var domain = context.RequestServices.GetRequiredService<DomainClient>();
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        var reply = await domain.TokenAsync(tokenId, new GetToken(), context.RequestAborted);
        return reply is TokenView view && view.ActiveAt(time.GetUtcNow()) ? view : null;
    }

    internal static Task WriteProblem(HttpContext context, int status, string code, string detail) =>
        ApiProblems.Problem(status, code, detail).ExecuteAsync(context);

    private static async Task ValidateCookieAsync(CookieValidatePrincipalContext context)
    {
        var tokenId = context.Principal?.FindFirstValue(TokenIdClaim);
        if (tokenId is null || await ActiveTokenAsync(context.HttpContext, tokenId) is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public static class Policies
{
    public const string SignedIn = "signed-in";
    public const string Client = "client";
    public const string Freelancer = "freelancer";
    public const string Operator = "operator";
}

/// <summary><c>Authorization: Bearer</c> (or, for the hub's WebSocket, <c>access_token</c> in the query string).</summary>
internal sealed class BearerTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim()
            : Request.Query.TryGetValue("access_token", out var fromQuery) ? fromQuery.ToString()
            : null;
        if (string.IsNullOrEmpty(token))
        {
            return AuthenticateResult.NoResult();
        }

        // Only the shape we issue is looked up: made-up tokens cost no entity and no journal read.
        if (!LiveTrackerAuthentication.LooksLikeToken(token))
        {
            return AuthenticateResult.Fail("Not a LiveTracker token.");
        }

        var tokenId = UserIds.TokenId(token);
        return await LiveTrackerAuthentication.ActiveTokenAsync(Context, tokenId) is { } view
            ? AuthenticateResult.Success(new AuthenticationTicket(LiveTrackerAuthentication.Principal(view, tokenId, Scheme.Name), Scheme.Name))
            : AuthenticateResult.Fail("The token is unknown, revoked or expired.");
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        LiveTrackerAuthentication.WriteProblem(Context, StatusCodes.Status401Unauthorized, "unauthenticated", "Sign in, or send a valid bearer token.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        LiveTrackerAuthentication.WriteProblem(Context, StatusCodes.Status403Forbidden, "forbidden", "Your role may not do this.");
}
