using System.Text.Json;
using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Contracts;

namespace LiveTracker.Web.Api;

/// <summary>
/// The public JSON shapes (API.md). Kept apart from the entities' messages: those are persisted and evolve with
/// the journal, these are a contract with agents and pages; enums are written kebab-case here.
/// </summary>
public static class ApiModels
{
    public static string Kebab<TEnum>(TEnum value)
        where TEnum : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    public static ContractResponse ToApi(this ContractView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return new ContractResponse(
            view.ContractId, view.ClientId, view.FreelancerId, view.Title, Kebab(view.Kind), view.HourlyRateCents, view.Currency,
            view.WeeklyLimitMinutes / 60.0, view.WeeklyLimitMinutes, view.SegmentMinutes, view.IdleTimeoutMinutes, view.Ended,
            view.WorkViewReady, view.NotReadyReasons, view.Weeks);
    }

    public static TimesheetResponse ToApi(this TimesheetView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return new TimesheetResponse(
            view.ContractId, view.Week.ToString(), Kebab(view.Status), [.. view.Days.Select(d => new TimesheetDayResponse(d.Date, d.BillableMinutes))],
            view.BillableMinutes, view.AmountCents, view.LocksAt, view.SubmitsAt, view.ReviewEndsAt,
            view.Status is TimesheetStatus.Charged or TimesheetStatus.PaidOut ? view.AvailableAt : null,
            view.ChargedCents, view.DisputeId, view.FailureReasons);
    }

    public static MilestoneResponse ToApi(this MilestoneView m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new MilestoneResponse(
            m.MilestoneId, m.Title, m.AmountCents, m.DueDate, Kebab(m.Status), m.EscrowCents, m.ReleasedCents, m.RefundedCents, m.AvailableAt,
            m.EarningsAvailable, m.LastMessage, m.DisputeId, m.FailureReasons);
    }

    public static LedgerResponse ToApi(this ContractLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        return new LedgerResponse(
            ledger.ContractId, ledger.Currency, [.. ledger.Lines.Select(l => new LedgerLineResponse(l.At, l.Party, l.Kind, l.Reference, l.AmountCents))],
            ledger.ClientPaidCents, ledger.EscrowCents, ledger.FreelancerPendingCents, ledger.FreelancerAvailableCents);
    }
}

public sealed record ContractResponse(
    string ContractId, string ClientId, string FreelancerId, string Title, string Kind, long HourlyRateCents, string Currency,
    double? WeeklyLimitHours, int? WeeklyLimitMinutes, int SegmentMinutes, int IdleTimeoutMinutes, bool Ended, bool WorkViewReady,
    IReadOnlyList<string> NotReadyReasons, IReadOnlyList<string> Weeks);

public sealed record TimesheetDayResponse(DateOnly Date, int BillableMinutes);

public sealed record TimesheetResponse(
    string ContractId, string Week, string Status, IReadOnlyList<TimesheetDayResponse> Days, int BillableMinutes, long AmountCents,
    DateTimeOffset LocksAt, DateTimeOffset SubmitsAt, DateTimeOffset ReviewEndsAt, DateTimeOffset? AvailableAt, long? ChargedCents,
    string? DisputeId, IReadOnlyList<string> FailureReasons);

public sealed record MilestoneResponse(
    string MilestoneId, string Title, long AmountCents, DateOnly? DueDate, string Status, long EscrowCents, long ReleasedCents,
    long RefundedCents, DateTimeOffset? AvailableAt, bool EarningsAvailable, string? LastMessage, string? DisputeId,
    IReadOnlyList<string> FailureReasons);

public sealed record LedgerLineResponse(DateTimeOffset At, string Party, string Kind, string Reference, long AmountCents);

public sealed record LedgerResponse(
    string ContractId, string Currency, IReadOnlyList<LedgerLineResponse> Lines, long ClientPaidCents, long EscrowCents,
    long FreelancerPendingCents, long FreelancerAvailableCents);
