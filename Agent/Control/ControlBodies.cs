namespace LiveTracker.Agent.Control;

// The bodies of the control page's commands (POST/PUT under /{secret}/api/), sent by the page and the command line.

/// <summary>A command that takes nothing: <c>{}</c>.</summary>
public sealed record NoBody;

public sealed record StartBody(string? ContractId, string? Memo, string? ActivityLabel, bool TakeOver);

public sealed record MemoBody(string? Memo, string? ActivityLabel);

public sealed record UseBody(string? ContractId);

public sealed record IdleBody(bool KeepWorking);

public sealed record ReportBody(string? Description);

public sealed record SettingBody(string? Value);
