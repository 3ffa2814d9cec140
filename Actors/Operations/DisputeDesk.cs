using Akka.Actor;
using LiveTracker.Actors.Hosting;

namespace LiveTracker.Actors.Operations;

/// <summary>
/// The operators' list of open disputes across all contracts, kept up to date by the contracts themselves (each
/// repeats its report until the desk answers, so a crash cannot leave a dispute off the list).
/// </summary>
public sealed class DisputeDesk : SnapshottingEntity
{
    public const string RegionType = "dispute-desks";
    public const string EntityId = "disputes";

    private readonly Dictionary<string, OpenDispute> _open = new(StringComparer.Ordinal);
    private readonly HashSet<string> _closed = new(StringComparer.Ordinal);

    public DisputeDesk(string id, int snapshotEvery)
        : base("dispute-desk-" + id, snapshotEvery)
    {
        Recovers<DeskDisputeOpened>();
        Recovers<DeskDisputeClosed>();

        Command<ReportDispute>(report =>
        {
            var known = _closed.Contains(report.DisputeId) || (report.Open && _open.ContainsKey(report.DisputeId));
            if (known)
            {
                Sender.Tell(new DisputeReported(report.DisputeId, report.Open));
            }
            else if (report.Open)
            {
                Record(
                    new DeskDisputeOpened(report.DisputeId, report.ContractId, report.Subject, report.Kind, report.Reason, report.At),
                    opened => Sender.Tell(new DisputeReported(opened.DisputeId, true)));
            }
            else
            {
                Record(new DeskDisputeClosed(report.DisputeId, report.At), closed => Sender.Tell(new DisputeReported(closed.DisputeId, false)));
            }
        });
        Command<GetOpenDisputes>(_ => Sender.Tell(new OpenDisputes([.. _open.Values.OrderBy(d => d.OpenedAt)])));
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
}
