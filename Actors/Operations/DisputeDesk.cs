using LiveTracker.Actors.Persistence;

namespace LiveTracker.Actors.Operations;

/// <summary>
/// The operators' list of open disputes across all contracts, kept up to date by the contracts themselves (each
/// repeats its report until the desk answers, so a crash cannot leave a dispute off the list).
/// </summary>
public sealed class DisputeDesk(string id, PersistenceContext persistence) : PersistentActor("dispute-desk-" + id, persistence)
{
    public const string RegionType = "dispute-desks";
    public const string EntityId = "disputes";

    private readonly Dictionary<string, OpenDispute> _open = new(StringComparer.Ordinal);
    private readonly HashSet<string> _closed = new(StringComparer.Ordinal);

    protected override void OnCommand(object command)
    {
        switch (command)
        {
            case ReportDispute { Open: true } report when _open.ContainsKey(report.DisputeId) || _closed.Contains(report.DisputeId):
                Sender.Tell(new DisputeReported(report.DisputeId, report.Open));
                break;
            case ReportDispute { Open: true } report:
                Persist(
                    new DeskDisputeOpened(report.DisputeId, report.ContractId, report.Subject, report.Kind, report.Reason, report.At),
                    _ => Sender.Tell(new DisputeReported(report.DisputeId, true)));
                break;
            case ReportDispute report when _closed.Contains(report.DisputeId):
                Sender.Tell(new DisputeReported(report.DisputeId, false));
                break;
            case ReportDispute report:
                Persist(new DeskDisputeClosed(report.DisputeId, report.At), _ => Sender.Tell(new DisputeReported(report.DisputeId, false)));
                break;
            case GetOpenDisputes:
                Sender.Tell(_open.Values.OrderBy(d => d.OpenedAt).ToList());
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
            case DeskDisputeOpened opened:
                _open[opened.DisputeId] = new OpenDispute(opened.DisputeId, opened.ContractId, opened.Subject, opened.Kind, opened.Reason, opened.At);
                break;
            case DeskDisputeClosed closed:
                // A close that overtook its open (two retries crossing) still wins: the open is then ignored.
                _open.Remove(closed.DisputeId);
                _closed.Add(closed.DisputeId);
                break;
        }
    }

    protected override object CreateSnapshot() => new DisputeDeskSnapshot([.. _open.Values], [.. _closed]);

    protected override void ApplySnapshot(object snapshot)
    {
        var state = (DisputeDeskSnapshot)snapshot;
        foreach (var open in state.Open)
        {
            _open[open.DisputeId] = open;
        }

        _closed.UnionWith(state.Closed);
    }
}
