using Akka.Actor;
using Akka.Persistence;
using LiveTracker.Actors.Contracts;

namespace LiveTracker.Actors.Operations;

/// <summary>Problem reports and feedback from users and agents (with an excerpt of the agent's log), for operators.</summary>
public sealed class SupportDesk : ReceivePersistentActor
{
    public const string RegionType = "support-desks";
    public const string EntityId = "support";

    /// <summary>Reports kept in memory and in snapshots; older ones stay in the journal only.</summary>
    public const int Kept = 1000;

    private readonly List<SupportReport> _reports = [];

    public SupportDesk(string id, TimeProvider time, int snapshotEvery)
    {
        PersistenceId = "support-desk-" + id;

        Recover<SnapshotOffer>(offer => _reports.AddRange(((SupportDeskSnapshot)offer.Snapshot).Reports));
        Recover<SupportReportFiled>(Apply);

        Command<FileSupportReport>(file =>
        {
            if (_reports.Any(r => r.ReportId == file.ReportId))
            {
                Sender.Tell(Accepted.Instance); // ids are the web node's Guids: a retry of the same report
                return;
            }

            Persist(
                new SupportReportFiled(file.ReportId, file.UserId, file.Email, file.Kind, file.Description, file.LogExcerpt, time.GetUtcNow()),
                filed =>
                {
                    Apply(filed);
                    Sender.Tell(Accepted.Instance);
                    if (LastSequenceNr % snapshotEvery == 0)
                    {
                        SaveSnapshot(new SupportDeskSnapshot([.. _reports]));
                    }
                });
        });
        Command<GetSupportReports>(get => Sender.Tell(new SupportReports([.. _reports.AsEnumerable().Reverse().Take(Math.Clamp(get.Max, 1, Kept))])));
        Command<SaveSnapshotSuccess>(saved => DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(_ => { }); // the journal still has every event; the next snapshot tries again
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    public override string PersistenceId { get; }

    private void Apply(SupportReportFiled filed)
    {
        _reports.Add(new SupportReport(filed.ReportId, filed.UserId, filed.Email, filed.Kind, filed.Description, filed.LogExcerpt, filed.At));
        if (_reports.Count > Kept)
        {
            _reports.RemoveAt(0);
        }
    }
}
