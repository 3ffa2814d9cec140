using Akka.Actor;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Hosting;

namespace LiveTracker.Actors.Operations;

/// <summary>Problem reports and feedback from users and agents (with an excerpt of the agent's log), for operators.</summary>
public sealed class SupportDesk : SnapshottingEntity
{
    public const string RegionType = "support-desks";
    public const string EntityId = "support";

    /// <summary>Reports kept in memory and in snapshots; older ones stay in the journal only.</summary>
    public const int Kept = 1000;

    private readonly List<SupportReport> _reports = [];

    public SupportDesk(string id, TimeProvider time, int snapshotEvery)
        : base("support-desk-" + id, snapshotEvery)
    {
        Recovers<SupportReportFiled>();

        Command<FileSupportReport>(file =>
        {
            if (_reports.Any(r => r.ReportId == file.ReportId))
            {
                Sender.Tell(Accepted.Instance); // ids are the web node's Guids: a retry of the same report
                return;
            }

            Record(
                new SupportReportFiled(file.ReportId, file.UserId, file.Email, file.Kind, file.Description, file.LogExcerpt, time.GetUtcNow()),
                _ => Sender.Tell(Accepted.Instance));
        });
        Command<GetSupportReports>(get => Sender.Tell(new SupportReports([.. _reports.AsEnumerable().Reverse().Take(Math.Clamp(get.Max, 1, Kept))])));
    }

    protected override object CreateSnapshot() => new SupportDeskSnapshot([.. _reports]);

    protected override void ApplySnapshot(object snapshot) => _reports.AddRange(((SupportDeskSnapshot)snapshot).Reports);

    protected override void ApplyEvent(object @event)
    {
        var filed = (SupportReportFiled)@event;
        _reports.Add(new SupportReport(filed.ReportId, filed.UserId, filed.Email, filed.Kind, filed.Description, filed.LogExcerpt, filed.At));
        if (_reports.Count > Kept)
        {
            _reports.RemoveAt(0);
        }
    }
}
