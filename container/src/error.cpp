#include "qreload/error.h"

namespace qreload {

QString Error::toString() const
{
    QString prefix;
    if (!m_component.isEmpty() && !m_pluginFile.isEmpty())
        prefix = QStringLiteral("%1 (%2): ").arg(m_component, m_pluginFile);
    else if (!m_component.isEmpty())
        prefix = m_component + QStringLiteral(": ");
    else if (!m_pluginFile.isEmpty())
        prefix = m_pluginFile + QStringLiteral(": ");
    return prefix + m_message;
}

QString Error::reasonName(Reason reason)
{
    switch (reason) {
    case Reason::None:
        return QStringLiteral("none");
    case Reason::InvalidRegistration:
        return QStringLiteral("invalid-registration");
    case Reason::DuplicateKey:
        return QStringLiteral("duplicate-key");
    case Reason::MissingDependency:
        return QStringLiteral("missing-dependency");
    case Reason::AmbiguousInterface:
        return QStringLiteral("ambiguous-interface");
    case Reason::Cycle:
        return QStringLiteral("cycle");
    case Reason::ConstructionFailed:
        return QStringLiteral("construction-failed");
    case Reason::HookFailed:
        return QStringLiteral("hook-failed");
    case Reason::UnknownComponent:
        return QStringLiteral("unknown-component");
    case Reason::UndeclaredDependency:
        return QStringLiteral("undeclared-dependency");
    case Reason::ShutDown:
        return QStringLiteral("shut-down");
    case Reason::FileNotFound:
        return QStringLiteral("file-not-found");
    case Reason::IncompleteFile:
        return QStringLiteral("incomplete-file");
    case Reason::LoadFailed:
        return QStringLiteral("load-failed");
    case Reason::NotAPlugin:
        return QStringLiteral("not-a-plugin");
    case Reason::IncompatiblePlugin:
        return QStringLiteral("incompatible-plugin");
    case Reason::RegistrationFailed:
        return QStringLiteral("registration-failed");
    case Reason::StateCarryFailed:
        return QStringLiteral("state-carry-failed");
    case Reason::DuplicateRoute:
        return QStringLiteral("duplicate-route");
    case Reason::RouteNotFound:
        return QStringLiteral("route-not-found");
    case Reason::RouteFailed:
        return QStringLiteral("route-failed");
    case Reason::MethodNotFound:
        return QStringLiteral("method-not-found");
    case Reason::BadArguments:
        return QStringLiteral("bad-arguments");
    case Reason::InvocationFailed:
        return QStringLiteral("invocation-failed");
    case Reason::BuildFailed:
        return QStringLiteral("build-failed");
    case Reason::CompileError:
        return QStringLiteral("compile-error");
    case Reason::HostCrashed:
        return QStringLiteral("host-crashed");
    case Reason::UndefinedSymbol:
        return QStringLiteral("undefined-symbol");
    case Reason::LibraryStillLoaded:
        return QStringLiteral("library-still-loaded");
    }
    return QStringLiteral("unknown");
}

QString joinErrors(const Errors &errors, const QString &separator)
{
    QStringList lines;
    for (const Error &error : errors)
        lines.append(error.toString());
    return lines.join(separator);
}

} // namespace qreload
