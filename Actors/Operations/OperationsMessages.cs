using LiveTracker.Actors.Serialization;

namespace LiveTracker.Actors.Operations;

// ---------------------------------------------------------------- the dispute desk (one entity: "disputes")

/// <summary>A contract tells the desk a dispute opened or closed (idempotent; the contract repeats until answered).</summary>
public sealed record ReportDispute(string DisputeId, string ContractId, string Subject, string Kind, string Reason, bool Open, DateTimeOffset At);

public sealed record DisputeReported(string DisputeId, bool Open);

public sealed record GetOpenDisputes;

/// <summary>The reply to <see cref="GetOpenDisputes"/>, oldest first.</summary>
public sealed record OpenDisputes(IReadOnlyList<OpenDispute> Disputes);

public sealed record OpenDispute(string DisputeId, string ContractId, string Subject, string Kind, string Reason, DateTimeOffset OpenedAt);

[Manifest("dispute-desk.opened.v1")]
public sealed record DeskDisputeOpened(string DisputeId, string ContractId, string Subject, string Kind, string Reason, DateTimeOffset At);

[Manifest("dispute-desk.closed.v1")]
public sealed record DeskDisputeClosed(string DisputeId, DateTimeOffset At);

[Manifest("dispute-desk.snapshot.v1")]
public sealed record DisputeDeskSnapshot(IReadOnlyList<OpenDispute> Open, IReadOnlyList<string> Closed);

// ---------------------------------------------------------------- the support desk (one entity: "support")

public sealed record FileSupportReport(string ReportId, string UserId, string Email, string Kind, string Description, string? LogExcerpt);

public sealed record GetSupportReports(int Max = 200);

/// <summary>The answer to <see cref="GetSupportReports"/>: newest first.</summary>
public sealed record SupportReports(IReadOnlyList<SupportReport> Reports);

public sealed record SupportReport(string ReportId, string UserId, string Email, string Kind, string Description, string? LogExcerpt, DateTimeOffset At);

[Manifest("support.report-filed.v1")]
public sealed record SupportReportFiled(string ReportId, string UserId, string Email, string Kind, string Description, string? LogExcerpt, DateTimeOffset At);

[Manifest("support.snapshot.v1")]
public sealed record SupportDeskSnapshot(IReadOnlyList<SupportReport> Reports);
