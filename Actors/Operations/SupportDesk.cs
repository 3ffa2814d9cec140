using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Persistence;

namespace LiveTracker.Actors.Operations;

/// <summary>Problem reports and feedback from users and agents (with an excerpt of the agent's log), for operators.</summary>
public sealed class SupportDesk(string id, PersistenceContext persistence) : PersistentActor("support-desk-" + id, persistence)
{
    public const string RegionType = "support-desks";
    public const string EntityId = "support";

    /// <summary>Reports kept in memory and in snapshots; older ones stay in the journal only.</summary>
    public const int Kept = 1000;

    private readonly List<SupportReport> _reports = [];

    protected override void OnCommand(object command)
    {
        switch (command)
        {
            case FileSupportReport file when _reports.Any(r => r.ReportId == file.ReportId): // ids are the web node's Guids
                Sender.Tell(Accepted.Instance);
                break;
            case FileSupportReport file:
                Persist(
                    new SupportReportFiled(file.ReportId, file.UserId, file.Email, file.Kind, file.Description, file.LogExcerpt, Context.System.Time.GetUtcNow()),
                    _ => Sender.Tell(Accepted.Instance));
                break;
            case GetSupportReports get:
                Sender.Tell(_reports.AsEnumerable().Reverse().Take(Math.Clamp(get.Max, 1, 1000)).ToList());
                break;
            default:
                Unhandled(command);
                break;
        }
    }

    protected override void ApplyEvent(object @event)
    {
        if (@event is SupportReportFiled filed)
        {
            _reports.Add(new SupportReport(filed.ReportId, filed.UserId, filed.Email, filed.Kind, filed.Description, filed.LogExcerpt, filed.At));
            if (_reports.Count > Kept)
            {
                _reports.RemoveAt(0);
            }
        }
    }

    protected override object CreateSnapshot() => new SupportDeskSnapshot([.. _reports]);

    protected override void ApplySnapshot(object snapshot) => _reports.AddRange(((SupportDeskSnapshot)snapshot).Reports);
}
