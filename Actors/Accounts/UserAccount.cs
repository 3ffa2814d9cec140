using Akka.Actor;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Hosting;

namespace LiveTracker.Actors.Accounts;

/// <summary>
/// A person's account: e-mail, display name, role, password hash, and the contracts they are a party of (so
/// "my contracts" is one read). The entity id is <see cref="UserIds.ForEmail"/> of the address, which makes
/// registration unique per address without an index.
/// </summary>
public sealed class UserAccount : SnapshottingEntity
{
    public const string RegionType = "users";

    private readonly string _userId;
    private readonly TimeProvider _time;
    private UserRegistered? _user;
    private readonly List<string> _contracts = [];

    public UserAccount(string userId, TimeProvider time, int snapshotEvery)
        : base("user-" + userId, snapshotEvery)
    {
        _userId = userId;
        _time = time;

        Recovers<UserRegistered>();
        Recovers<UserJoinedContract>();
        Recovers<PasswordHashChanged>();

        Command<RegisterUser>(Register);
        Command<JoinContract>(join =>
        {
            if (_contracts.Contains(join.ContractId))
            {
                Sender.Tell(new ContractJoined(userId, join.ContractId));
                return;
            }

            // Kept even before registration: contracts are made between registered users, and a contract
            // retrying until an account exists would gain nothing.
            Record(new UserJoinedContract(join.ContractId), joined => Sender.Tell(new ContractJoined(userId, joined.ContractId)));
        });
        Command<GetUser>(_ => Sender.Tell(_user is null
            ? NoSuchUser
            : new UserView(userId, _user.Email, _user.DisplayName, _user.Role, _user.PasswordHash, [.. _contracts])));
        Command<ChangePasswordHash>(change =>
        {
            if (_user is null)
            {
                Sender.Tell(NoSuchUser);
                return;
            }

            Record(new PasswordHashChanged(change.PasswordHash), _ => Sender.Tell(Accepted.Instance));
        });
    }

    private static Rejected NoSuchUser => new("not-found", "No such user.");

    protected override object CreateSnapshot() => new UserAccountSnapshot(_user, [.. _contracts]);

    protected override void ApplySnapshot(object snapshot)
    {
        var state = (UserAccountSnapshot)snapshot;
        _user = state.User;
        _contracts.AddRange(state.Contracts);
    }

    private void Register(RegisterUser register)
    {
        var email = UserIds.NormalizeEmail(register.Email);
        if (_user is not null)
        {
            Sender.Tell(new Rejected("email-taken", "An account with this e-mail address exists; sign in instead."));
        }
        else if (UserIds.ForEmail(email) != _userId)
        {
            Sender.Tell(new Rejected("invalid-account", "The account id does not belong to this e-mail address."));
        }
        else if (string.IsNullOrWhiteSpace(register.DisplayName) || register.DisplayName.Length > 100 || string.IsNullOrEmpty(register.PasswordHash))
        {
            Sender.Tell(new Rejected("invalid-account", "A display name of at most 100 characters and a password are required."));
        }
        else
        {
            Record(
                new UserRegistered(_userId, email, register.DisplayName.Trim(), register.Role, register.PasswordHash, _time.GetUtcNow()),
                _ => Sender.Tell(Accepted.Instance));
        }
    }

    protected override void ApplyEvent(object @event)
    {
        switch (@event)
        {
            case UserRegistered registered:
                _user = registered;
                break;
            case UserJoinedContract joined:
                _contracts.Add(joined.ContractId);
                break;
            case PasswordHashChanged changed:
                _user = _user! with { PasswordHash = changed.PasswordHash };
                break;
        }
    }
}
