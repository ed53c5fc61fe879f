// One component per widget type. A type added to src/shared/widgets.ts without a component here is
// a type error, so the relay can never accept a widget the dashboard cannot draw.
import type { WidgetType } from '../../shared/widgets';
import { Activity } from './Activity';
import { Alert } from './Alert';
import { ErrorWidget } from './ErrorWidget';
import { Metrics } from './Metrics';
import { ProjectStatus } from './ProjectStatus';
import { TaskCard } from './TaskCard';
import { TaskList } from './TaskList';
import { TaskProgress } from './TaskProgress';
import type { WidgetComponent } from './types';
import { Vitals } from './Vitals';

export const widgetRegistry: { [T in WidgetType]: WidgetComponent<T> } = {
  task_card: TaskCard,
  vitals: Vitals,
  activity: Activity,
  project_status: ProjectStatus,
  task_list: TaskList,
  metrics: Metrics,
  alert: Alert,
  error: ErrorWidget,
  task_progress: TaskProgress,
};

export const WIDGET_TITLES: { [T in WidgetType]: string } = {
  task_card: 'Task',
  vitals: 'Vitals',
  activity: 'Activity',
  project_status: 'Project status',
  task_list: 'Tasks',
  metrics: 'Metrics',
  alert: 'Alert',
  error: 'Error',
  task_progress: 'Progress',
};
