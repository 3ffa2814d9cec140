using LiveTracker.Actors.Contracts;

namespace LiveTracker.Web.Api;

/// <summary>
/// Every error of the API as <c>application/problem+json</c> (RFC 9457) with a stable <c>code</c>; the entities'
/// typed refusals keep their code, and the HTTP status follows from what kind of refusal it is.
/// </summary>
public static class ApiProblems
{
    public const string TypeBase = "https://livetracker.dev/problems/";

    public static IResult Problem(int status, string code, string detail) =>
        Results.Problem(
            detail: detail,
            statusCode: status,
            type: TypeBase + code,
            title: Title(code),
            extensions: new Dictionary<string, object?> { ["code"] = code });

    public static IResult NotFound(string what = "resource") =>
        Problem(StatusCodes.Status404NotFound, "not-found", $"No such {what}, or it is not yours to see.");

    public static IResult Invalid(string code, string detail) => Problem(StatusCodes.Status400BadRequest, code, detail);

    public static IResult Forbidden(string detail) => Problem(StatusCodes.Status403Forbidden, "not-your-contract", detail);

    /// <summary>An entity's refusal as the HTTP answer a client can act on.</summary>
    public static IResult From(Rejected rejected)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        return Problem(StatusFor(rejected.Code), rejected.Code, rejected.Detail);
    }

    /// <summary>A reply that is not what the endpoint expected: a refusal, or a fault worth a 500.</summary>
    public static IResult Unexpected(object reply) =>
        reply is Rejected rejected
            ? From(rejected)
            : Problem(StatusCodes.Status500InternalServerError, "unexpected-reply", "The server could not complete the request.");

    public static int StatusFor(string code) => code switch
    {
        "not-found" => StatusCodes.Status404NotFound,
        "not-your-contract" => StatusCodes.Status403Forbidden,
        "payment-declined" => StatusCodes.Status402PaymentRequired,
        "invalid-credentials" or "unauthenticated" => StatusCodes.Status401Unauthorized,
        "too-large" => StatusCodes.Status413PayloadTooLarge,
        "rate-limited" => StatusCodes.Status429TooManyRequests,
        "payment-provider-unavailable" => StatusCodes.Status503ServiceUnavailable,
        _ when code.StartsWith("invalid-", StringComparison.Ordinal) || code is "capture-in-future" or "wrong-week" or "not-hourly"
            or "not-fixed-price" or "unsupported-currency" => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status409Conflict,
    };

    private static string Title(string code) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{char.ToUpperInvariant(code[0])}{code[1..].Replace('-', ' ')}");
}
