"""Nagios object configuration of a plan: commands, templates, hosts, services, dependencies.

:func:`nagios_files` returns ``{relative path: text}`` (see the README for the
layout): ``resource.cfg`` with ``$USER1$`` (our checks) and ``$USER2$`` (the
Monitoring Plugins), and under ``objects/`` the commands, time periods,
contacts, templates, host groups and one file per host.
"""

from __future__ import annotations

from immune.nagiosconf.inventory import Host
from immune.nagiosconf.objects import HEADER, check_command, command_line, command_name, define
from immune.nagiosconf.plan import Plan, Service

NRPE_COMMAND = "immune_nrpe"
NOTIFY = ('/usr/bin/printf "%b" "{what}\\n\\nHost: $HOSTNAME$ ($HOSTADDRESS$)\\n'
          '{state}\\nOutput: {output}\\nTime: $LONGDATETIME$\\n" '
          '| /usr/bin/mail -s "{subject}" $CONTACTEMAIL$')


def _commands(plan: Plan) -> str:
    blocks = [define("command", [("command_name", command_name(spec)),
                                 ("command_line", command_line(spec))])
              for spec in plan.catalogue.checks.values()]
    blocks.append(define("command", [
        ("command_name", NRPE_COMMAND),
        ("command_line", "$USER2$/check_nrpe -H $HOSTADDRESS$ -p $_HOSTNRPE_PORT$ -t 30 "
                         "-c $ARG1$")]))
    blocks.append(define("command", [
        ("command_name", "immune_notify_host_by_email"),
        ("command_line", NOTIFY.format(what="$NOTIFICATIONTYPE$ host $HOSTNAME$",
                                       state="State: $HOSTSTATE$", output="$HOSTOUTPUT$",
                                       subject="$NOTIFICATIONTYPE$ $HOSTNAME$ is $HOSTSTATE$"))]))
    blocks.append(define("command", [
        ("command_name", "immune_notify_service_by_email"),
        ("command_line", NOTIFY.format(
            what="$NOTIFICATIONTYPE$ $SERVICEDESC$", state="State: $SERVICESTATE$",
            output="$SERVICEOUTPUT$",
            subject="$NOTIFICATIONTYPE$ $HOSTNAME$/$SERVICEDESC$ is $SERVICESTATE$"))]))
    return "".join(blocks)


def _timeperiods(plan: Plan) -> str:
    return "".join(define("timeperiod", [("timeperiod_name", name), *sorted(days.items())])
                   for name, days in sorted(plan.inventory.timeperiods.items()))


def _contacts(plan: Plan) -> str:
    contacts = plan.inventory.contacts
    blocks = [define("contact", [
        ("contact_name", c.name), ("email", c.email),
        ("host_notification_period", "24x7"), ("service_notification_period", "24x7"),
        ("host_notification_options", "d,u,r"), ("service_notification_options", "w,u,c,r"),
        ("host_notification_commands", "immune_notify_host_by_email"),
        ("service_notification_commands", "immune_notify_service_by_email")])
        for c in contacts]
    groups = sorted({g for c in contacts for g in c.groups})
    blocks += [define("contactgroup", [("contactgroup_name", g), ("alias", g),
                                       ("members", ",".join(c.name for c in contacts
                                                            if g in c.groups))])
               for g in groups]
    return "".join(blocks)


def _templates(plan: Plan) -> str:
    host = plan.roles.host_template
    blocks = [define("host", [
        ("name", "immune-host"), ("check_command", check_command(plan.host_check)),
        ("check_interval", host.check_interval), ("retry_interval", host.retry_interval),
        ("max_check_attempts", host.max_check_attempts), ("check_period", "24x7"),
        ("notification_period", "24x7"), ("notification_interval", 60),
        ("notification_options", "d,u,r"), ("contact_groups", "admins"),
        ("event_handler_enabled", 1), ("register", 0)])]
    blocks.append(define("service", [
        ("name", "immune-service"), ("check_period", "24x7"), ("notification_period", "24x7"),
        ("notification_interval", 60), ("notification_options", "w,u,c,r"),
        ("contact_groups", "admins"), ("active_checks_enabled", 1),
        ("passive_checks_enabled", 1), ("event_handler_enabled", 1),
        ("process_perf_data", 1), ("register", 0)]))
    for name, template in sorted(plan.templates.items()):
        blocks.append(define("service", [
            ("name", f"immune-{name}"), ("use", "immune-service"),
            ("check_interval", template.check_interval),
            ("retry_interval", template.retry_interval),
            ("max_check_attempts", template.max_check_attempts), ("register", 0)]))
    return "".join(blocks)


def _hostgroups(plan: Plan) -> str:
    blocks = []
    for name, role in sorted(plan.roles.roles.items()):
        members = [h.name for h in plan.inventory.hosts if name in h.roles]
        if members:
            blocks.append(define("hostgroup", [("hostgroup_name", name),
                                               ("alias", role.description),
                                               ("members", ",".join(sorted(members)))]))
    return "".join(blocks)


def _service(service: Service) -> str:
    if service.via_nrpe:
        command = f"{NRPE_COMMAND}!{service.nrpe_command}"
    else:
        command = check_command(service.check)
    return define("service", [
        ("use", f"immune-{service.template}"), ("host_name", service.host.name),
        ("service_description", service.description), ("check_command", command),
        *service.settings,
        ("check_period", None if service.period == "24x7" else service.period),
        ("contact_groups", None if service.contact_groups == ("admins",)
         else ",".join(service.contact_groups)),
        ("event_handler", check_command(service.handler) if service.handler else None),
        ("_IMMUNE_CHECK", service.check.spec.name)])


def _dependency(service: Service, master: str) -> str:
    return define("servicedependency", [
        ("host_name", service.host.name), ("service_description", master),
        ("dependent_host_name", service.host.name),
        ("dependent_service_description", service.description),
        ("execution_failure_criteria", "n"), ("notification_failure_criteria", "w,u,c")])


def _host(plan: Plan, host: Host) -> str:
    blocks = [define("host", [
        ("use", "immune-host"), ("host_name", host.name), ("alias", host.alias),
        ("address", host.address),
        ("hostgroups", ",".join(host.roles) if host.roles else None),
        ("_NRPE_PORT", host.nrpe_port)])]
    services = plan.services_of(host)
    blocks += [_service(s) for s in services]
    blocks += [_dependency(s, m) for s in services for m in s.depends_on]
    return "".join(blocks)


def nagios_files(plan: Plan) -> dict[str, str]:
    """Every Nagios file of the plan, by path relative to the ``nagios/`` directory."""
    head = HEADER.format(source=plan.inventory.source)
    files = {
        "resource.cfg": head + f"$USER1$={plan.inventory.plugin_dir}\n"
                               f"$USER2$={plan.inventory.monitoring_plugins}\n",
        "objects/commands.cfg": _commands(plan),
        "objects/timeperiods.cfg": _timeperiods(plan),
        "objects/contacts.cfg": _contacts(plan),
        "objects/templates.cfg": _templates(plan),
        "objects/hostgroups.cfg": _hostgroups(plan),
    }
    for host in plan.inventory.hosts:
        files[f"objects/hosts/{host.name}.cfg"] = _host(plan, host)
    return {path: text if path == "resource.cfg" else head + text
            for path, text in files.items()}
