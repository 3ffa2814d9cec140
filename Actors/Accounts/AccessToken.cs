using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Persistence;

namespace LiveTracker.Actors.Accounts;

/// <summary>
/// One bearer token, kept only as the SHA-256 of its value (the entity id): whom it stands for, until when, and
/// whether it was revoked. A stolen database gives no usable tokens.
/// </summary>
public sealed class AccessToken(string tokenId, PersistenceContext persistence) : PersistentActor("token-" + tokenId, persistence)
{
    public const string RegionType = "tokens";

    private TokenIssued? _issued;
    private bool _revoked;

    protected override void OnCommand(object command)
    {
        switch (command)
        {
            case IssueToken issue when _issued is not null:
                Sender.Tell(_issued.UserId == issue.UserId ? Accepted.Instance : new Rejected("token-exists", "This token is already issued."));
                break;
            case IssueToken issue:
                Persist(
                    new TokenIssued(issue.UserId, issue.Email, issue.DisplayName, issue.Role, issue.Purpose, issue.ExpiresAt, Context.System.Time.GetUtcNow()),
                    _ => Sender.Tell(Accepted.Instance));
                break;
            case var _ when _issued is null:
                Sender.Tell(new Rejected("not-found", "Unknown token."));
                break;
            case GetToken:
                Sender.Tell(new TokenView(_issued.UserId, _issued.Email, _issued.DisplayName, _issued.Role, _issued.Purpose, _issued.ExpiresAt, _revoked));
                break;
            case RevokeToken when _revoked:
                Sender.Tell(Accepted.Instance);
                break;
            case RevokeToken:
                Persist(new TokenRevoked(Context.System.Time.GetUtcNow()), _ => Sender.Tell(Accepted.Instance));
                break;
            default:
                Unhandled(command);
                break;
        }
    }

    protected override void ApplyEvent(object @event)
    {
        switch (@event)
        {
            case TokenIssued issued:
                _issued = issued;
                break;
            case TokenRevoked:
                _revoked = true;
                break;
        }
    }
}
