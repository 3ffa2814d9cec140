using LiveTracker.Actors.Billing;

namespace LiveTracker.Actors.Contracts;

/// <summary>
/// A capture's id names its contract and week (<c>{contractId}~{2026-W47}~{random}</c>), so a screenshot URL can be
/// routed to the week that holds it without an index. The random part keeps ids unguessable.
/// </summary>
public static class CaptureIds
{
    public static string New(string contractId, IsoWeek week) => $"{contractId}~{week}~{Guid.NewGuid():N}";

    public static bool TryParse(string? captureId, out string contractId, out IsoWeek week)
    {
        (contractId, week) = (string.Empty, default);
        var parts = captureId?.Split('~');
        if (parts is not [.., var contract, var weekText, var random] || random.Length != 32 || !IsoWeek.TryParse(weekText, out week))
        {
            return false;
        }

        contractId = string.Join('~', parts[..^2]);
        return contract.Length > 0;
    }
}
