using Akka.Actor;
using Akka.Persistence;
using LiveTracker.Actors.Contracts;

namespace LiveTracker.Actors.Accounts;

/// <summary>
/// One bearer token, kept only as the SHA-256 of its value (the entity id): whom it stands for, until when, and
/// whether it was revoked. A stolen database gives no usable tokens.
/// </summary>
public sealed class AccessToken : ReceivePersistentActor
{
    public const string RegionType = "tokens";

    private readonly TimeProvider _time;
    private TokenIssued? _issued;
    private bool _revoked;

    public AccessToken(string tokenId, TimeProvider time)
    {
        PersistenceId = "token-" + tokenId;
        _time = time;

        Command<Sharding.HandOffEntity>(handOff => Sharding.HandOffEntity.Handle(Context, handOff));
        Command<Sharding.StopAfterHandOff>(stop => Sharding.HandOffEntity.Handle(Context, stop));
        Recover<TokenIssued>(issued => _issued = issued);
        Recover<TokenRevoked>(_ => _revoked = true);

        Command<IssueToken>(issue =>
        {
            if (_issued is not null)
            {
                Sender.Tell(_issued.UserId == issue.UserId ? Accepted.Instance : new Rejected("token-exists", "This token is already issued."));
                return;
            }

            Persist(
                new TokenIssued(issue.UserId, issue.Email, issue.DisplayName, issue.Role, issue.Purpose, issue.ExpiresAt, _time.GetUtcNow()),
                issued =>
                {
                    _issued = issued;
                    Sender.Tell(Accepted.Instance);
                });
        });
        Command<GetToken>(_ => Sender.Tell(_issued is null
            ? new Rejected("not-found", "Unknown token.")
            : new TokenView(_issued.UserId, _issued.Email, _issued.DisplayName, _issued.Role, _issued.Purpose, _issued.ExpiresAt, _revoked)));
        Command<RevokeToken>(_ =>
        {
            if (_issued is null)
            {
                Sender.Tell(new Rejected("not-found", "Unknown token."));
            }
            else if (_revoked)
            {
                Sender.Tell(Accepted.Instance);
            }
            else
            {
                Persist(new TokenRevoked(_time.GetUtcNow()), _ =>
                {
                    _revoked = true;
                    Sender.Tell(Accepted.Instance);
                });
            }
        });
    }

    public override string PersistenceId { get; }
}
