using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Persistence;

namespace LiveTracker.Actors.Accounts;

/// <summary>
/// A person's account: e-mail, display name, role, password hash, and the contracts they are a party of (so
/// "my contracts" is one read). The entity id is <see cref="UserIds.ForEmail"/> of the address, which makes
/// registration unique per address without an index.
/// </summary>
public sealed class UserAccount(string userId, PersistenceContext persistence) : PersistentActor("user-" + userId, persistence)
{
    public const string RegionType = "users";

    private UserRegistered? _user;
    private readonly List<string> _contracts = [];

    protected override void OnCommand(object command)
    {
        switch (command)
        {
            case RegisterUser register:
                Register(register);
                return;
            case JoinContract join when _contracts.Contains(join.ContractId):
                Sender.Tell(new ContractJoined(userId, join.ContractId));
                return;
            case JoinContract join:
                // Kept even before registration: contracts are made between registered users, and a contract
                // retrying until an account exists would gain nothing.
                Persist(new UserJoinedContract(join.ContractId), e => Sender.Tell(new ContractJoined(userId, e.ContractId)));
                return;
            case var _ when _user is null:
                Sender.Tell(new Rejected("not-found", "No such user."));
                return;
            case GetUser:
                Sender.Tell(new UserView(userId, _user.Email, _user.DisplayName, _user.Role, _user.PasswordHash, [.. _contracts]));
                break;
            case ChangePasswordHash change:
                Persist(new PasswordHashChanged(change.PasswordHash), _ => Sender.Tell(Accepted.Instance));
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

    private void Register(RegisterUser register)
    {
        var email = UserIds.NormalizeEmail(register.Email);
        if (_user is not null)
        {
            Sender.Tell(new Rejected("email-taken", "An account with this e-mail address exists; sign in instead."));
        }
        else if (UserIds.ForEmail(email) != userId)
        {
            Sender.Tell(new Rejected("invalid-account", "The account id does not belong to this e-mail address."));
        }
        else if (string.IsNullOrWhiteSpace(register.DisplayName) || register.DisplayName.Length > 100 || string.IsNullOrEmpty(register.PasswordHash))
        {
            Sender.Tell(new Rejected("invalid-account", "A display name of at most 100 characters and a password are required."));
        }
        else
        {
            Persist(
                new UserRegistered(userId, email, register.DisplayName.Trim(), register.Role, register.PasswordHash, Context.System.Time.GetUtcNow()),
                _ => Sender.Tell(Accepted.Instance));
        }
    }
}
