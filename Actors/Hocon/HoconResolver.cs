using System.Text;

namespace LiveTracker.Actors.Hocon;

/// <summary>
/// Replaces every <see cref="HoconDeferredValue"/> in a parsed tree by what it refers to. Runs after the
/// whole text is read because a substitution sees the final value of the key it names, wherever in the
/// file that key is set. A substitution looks for a setting at its path first and then for an
/// environment variable of the same name, as HOCON specifies.
/// </summary>
internal sealed class HoconResolver
{
    private readonly HoconObject _root;
    private readonly Func<string, string?> _environment;
    private readonly HashSet<HoconDeferredValue> _inProgress = new(ReferenceEqualityComparer.Instance);

    public HoconResolver(HoconObject root, Func<string, string?> environment)
    {
        _root = root;
        _environment = environment;
    }

    public void ResolveAll() => ResolveObject(_root);

    private void ResolveObject(HoconObject obj)
    {
        foreach (var key in obj.Keys.ToList())
        {
            if (!obj.TryGetValue(key, out var value))
            {
                continue;
            }

            if (value is HoconDeferredValue deferred)
            {
                value = Resolve(deferred);
                if (value is null)
                {
                    obj.Remove(key);
                    continue;
                }

                obj.Set(key, value);
            }

            ResolveChildren(value);
        }
    }

    private void ResolveArray(HoconArray array)
    {
        var items = array.MutableItems;
        var i = 0;
        while (i < items.Count)
        {
            var item = items[i];
            if (item is HoconDeferredValue deferred)
            {
                var resolved = Resolve(deferred);
                if (resolved is null)
                {
                    // An absent ${?VAR} element leaves no hole in the array.
                    items.RemoveAt(i);
                    continue;
                }

                items[i] = resolved;
                item = resolved;
            }

            ResolveChildren(item);
            i++;
        }
    }

    private void ResolveChildren(HoconValue value)
    {
        if (value is HoconObject obj)
        {
            ResolveObject(obj);
        }
        else if (value is HoconArray array)
        {
            ResolveArray(array);
        }
    }

    /// <returns>The value, or <c>null</c> when an optional substitution found nothing and there was no earlier value.</returns>
    private HoconValue? Resolve(HoconDeferredValue deferred)
    {
        if (deferred.IsResolved)
        {
            return deferred.Resolution;
        }

        _inProgress.Add(deferred);
        try
        {
            var resolution = deferred.Parts is [{ Substitution: { } only }]
                ? ResolveWhole(deferred, only)
                : ResolveConcatenation(deferred);
            deferred.MarkResolved(resolution);
            return resolution;
        }
        finally
        {
            _inProgress.Remove(deferred);
        }
    }

    /// <summary>A value that is nothing but one substitution takes the referenced value whole, of any type.</summary>
    private HoconValue? ResolveWhole(HoconDeferredValue deferred, HoconSubstitution substitution)
    {
        var found = Lookup(substitution, out var cycle);
        switch (found)
        {
            case HoconScalar scalar:
                return Relocate(scalar, substitution);
            case not null:
                if (Contains(found, deferred))
                {
                    throw new HoconException(substitution.Source, $"substitution {substitution.Expression} would contain itself");
                }

                return found;
        }

        if (_environment(substitution.Name) is { } fromEnvironment)
        {
            return FromEnvironment(fromEnvironment, substitution);
        }

        if (substitution.Optional)
        {
            return deferred.Previous is null ? null : ResolveEarlier(deferred.Previous);
        }

        throw Unresolvable(substitution, cycle);
    }

    /// <summary>Text joined from pieces; an absent optional piece contributes nothing.</summary>
    private HoconScalar ResolveConcatenation(HoconDeferredValue deferred)
    {
        var text = new StringBuilder();
        string? via = null;
        foreach (var part in deferred.Parts)
        {
            if (part.Substitution is not { } substitution)
            {
                text.Append(part.Text);
                continue;
            }

            var found = Lookup(substitution, out var cycle);
            if (found is null && _environment(substitution.Name) is { } fromEnvironment)
            {
                found = FromEnvironment(fromEnvironment, substitution);
            }

            switch (found)
            {
                case HoconScalar scalar:
                    text.Append(scalar.Text);
                    via ??= scalar.Source.Via;
                    break;
                case HoconObject or HoconArray:
                    throw new HoconException(
                        substitution.Source,
                        $"substitution {substitution.Expression} is an {(found is HoconObject ? "object" : "array")} and cannot be joined with text");
                case null when !substitution.Optional:
                    throw Unresolvable(substitution, cycle);
            }
        }

        return new HoconScalar(text.ToString(), HoconScalarKind.String, deferred.Source with { Via = via });
    }

    /// <summary>
    /// Walks the substitution's path from the root, resolving deferred values on the way. A value that is
    /// itself being resolved is a self-reference: it reads the value the key had before, which is what
    /// makes <c>path = ${path}":/extra"</c> work.
    /// </summary>
    private HoconValue? Lookup(HoconSubstitution substitution, out bool cycle)
    {
        cycle = false;
        HoconValue current = _root;
        foreach (var segment in substitution.Path)
        {
            if (current is not HoconObject obj || !obj.TryGetValue(segment, out var next))
            {
                return null;
            }

            if (next is HoconDeferredValue deferred)
            {
                if (_inProgress.Contains(deferred))
                {
                    next = deferred.Previous is null ? null : ResolveEarlier(deferred.Previous);
                    cycle = next is null;
                }
                else
                {
                    next = Resolve(deferred);
                    if (next is null)
                    {
                        obj.Remove(segment);
                    }
                    else
                    {
                        obj.Set(segment, next);
                    }
                }

                if (next is null)
                {
                    return null;
                }
            }

            current = next;
        }

        return current;
    }

    private HoconValue? ResolveEarlier(HoconValue earlier) =>
        earlier is HoconDeferredValue deferred
            ? _inProgress.Contains(deferred) ? null : Resolve(deferred)
            : earlier;

    private static bool Contains(HoconValue container, HoconValue target) => container switch
    {
        _ when ReferenceEquals(container, target) => true,
        HoconObject obj => obj.Keys.Any(k => Contains(obj[k], target)),
        HoconArray array => array.Items.Any(i => Contains(i, target)),
        _ => false,
    };

    // The copy is located at the substitution, where the operator wrote the key, and says where the text came from.
    private static HoconScalar Relocate(HoconScalar scalar, HoconSubstitution substitution) =>
        new(scalar.Text, scalar.Kind, substitution.Source with
        {
            Via = scalar.Source.Via ?? $"{substitution.Expression}, set at line {scalar.Source.Line}",
        });

    private static HoconScalar FromEnvironment(string value, HoconSubstitution substitution) =>
        new(value, HoconScalarKind.String, substitution.Source with { Via = $"environment variable {substitution.Name}" });

    private static HoconException Unresolvable(HoconSubstitution substitution, bool cycle) =>
        new(substitution.Source, cycle
            ? $"substitution {substitution.Expression} refers back to itself through a cycle"
            : $"could not resolve substitution {substitution.Expression}: there is no setting '{substitution.Name}' and no environment variable of that name (write ${{?{substitution.Name}}} if it is optional)");
}
