namespace LiveTracker.Agent.Control;

/// <summary>
/// The body of a control page command (POST/PUT under /{secret}/api/), as the page and the command line send it;
/// each is one of AgentJson's shapes.
/// </summary>
public interface IControlBody;

/// <summary>A command that takes nothing: <c>{}</c>.</summary>
public sealed record NoBody : IControlBody;

public sealed record StartBody(string? ContractId, string? Memo, string? ActivityLabel, bool TakeOver) : IControlBody;

public sealed record MemoBody(string? Memo, string? ActivityLabel) : IControlBody;

public sealed record UseBody(string? ContractId) : IControlBody;

public sealed record IdleBody(bool KeepWorking) : IControlBody;

public sealed record ReportBody(string? Description) : IControlBody;

public sealed record SettingBody(string? Value) : IControlBody;
