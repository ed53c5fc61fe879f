import { AlertsPanel } from '../alerts/AlertsPanel';
import { CostsPanel } from '../costs/CostsPanel';
import { HistoryPanel } from '../history/HistoryPanel';
import { LogsPanel } from '../logs/LogsPanel';
import { definePanel, type Panel } from './types';
import { ApprovalsPanel } from './Approvals';
import { McpPanel } from './McpPanel';
import { MeshPanel } from './MeshPanel';
import { SessionsPanel } from './Sessions';
import { TasksPanel } from './Tasks';
import { WidgetsPanel } from './WidgetsPanel';

/** The dashboard's panels, in display order. Each capability adds one line here. */
export const panels: Panel[] = [
  definePanel({ id: 'approvals', title: 'Approvals', channel: 'approvals', component: ApprovalsPanel }),
  definePanel({ id: 'sessions', title: 'Agent sessions', channel: 'sessions', component: SessionsPanel }),
  definePanel({ id: 'tasks', title: 'Tasks', channel: 'tasks', component: TasksPanel }),
  definePanel({ id: 'mcp', title: 'MCP servers', channel: 'mcp', component: McpPanel }),
  definePanel({ id: 'mesh', title: 'Mesh health', channel: 'mesh', component: MeshPanel }),
  definePanel({ id: 'alerts', title: 'Alerts', channel: 'alerts', component: AlertsPanel }),
  definePanel({ id: 'widgets', title: 'Widgets', channel: 'widgets', component: WidgetsPanel }),
  definePanel({ id: 'costs', title: 'Fleet and costs', channel: 'sessions', component: CostsPanel }),
  definePanel({ id: 'history', title: 'History', channel: 'history', component: HistoryPanel }),
  definePanel({ id: 'logs', title: 'Agent logs', channel: 'sessions', component: LogsPanel }),
];
